// Runs one of the project's programs as a test does: its exit code, its
// stdout and its stderr.
#pragma once

#include <string>

namespace nibble::testing {

struct CliOutput {
  int exit_code;    // -1 if it did not exit normally
  std::string out;  // stdout
  std::string err;  // stderr
};

// `command` goes through /bin/sh (popen).
CliOutput run_cli(const std::string& command);

}  // namespace nibble::testing
