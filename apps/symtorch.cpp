#include <CLI/CLI.hpp>

#include <algorithm>
#include <exception>
#include <iostream>

#include "command.hpp"

namespace symtorch::cli {

std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

CommandRegistration::CommandRegistration(std::string name, std::string description, CommandSetup setup) {
  commands().push_back({std::move(name), std::move(description), std::move(setup)});
}

}  // namespace symtorch::cli

int main(int argc, char** argv) {
  using namespace symtorch::cli;
  CLI::App app{"symtorch: symbolic regression, equation JIT and benchmarking"};
  app.require_subcommand(1);
  auto list = commands();
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  for (auto& c : list) c.setup(*app.add_subcommand(c.name, c.description));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const SilentFailure&) {
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "symtorch: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
