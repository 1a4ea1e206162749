// Each subcommand of the `symtorch` CLI lives in its own cmd_*.cpp and registers itself here
// with a static CommandRegistration, so subcommands are added without touching main.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace symtorch::cli {

// Builds the subcommand on `app` (options, callback). The callback may throw; main prints
// the message and exits with status 1.
using CommandSetup = std::function<void(CLI::App& app)>;

struct CommandRegistration {
  CommandRegistration(std::string name, std::string description, CommandSetup setup);
};

// A failure already reported by another process (rank 0 of an MPI job prints an error that
// every rank shares): main exits with status 1 without printing it again.
struct SilentFailure {};

struct Command {
  std::string name, description;
  CommandSetup setup;
};
std::vector<Command>& commands();

}  // namespace symtorch::cli
