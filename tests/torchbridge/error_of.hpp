// error_of(fn): the message of what fn throws (torch's c10::Error without its backtrace), or
// "(no error)" when it returns.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace symtorch::test {

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace symtorch::test
