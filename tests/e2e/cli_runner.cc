#include "cli_runner.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "support/temp_path.h"

namespace nibble::testing {

CliOutput run_cli(const std::string& command) {
  // ctest runs tests as concurrent processes: one stderr file per process.
  static const std::string err_path = process_temp_path("cli_stderr.txt");
  CliOutput o{-1, "", ""};
  FILE* pipe = popen((command + " 2>" + err_path).c_str(), "r");
  if (pipe == nullptr) return o;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) o.out.append(buf.data(), n);
  const int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  o.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return o;
}

}  // namespace nibble::testing
