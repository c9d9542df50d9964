// Temporary files of a test process. ctest runs each gtest case as its own
// process, several at once: a fixed name under TempDir() would be shared
// by concurrent processes (one converting a model while another reads it),
// and files left behind pile up in /tmp. process_temp_path() gives a name
// that only this process uses, and removes the file when the process exits.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace nibble::testing {
namespace detail {

inline std::vector<std::string>& process_temp_paths() {
  static std::vector<std::string> paths;
  return paths;
}

inline void remove_process_temp_paths() {
  for (const std::string& path : process_temp_paths()) std::remove(path.c_str());
}

}  // namespace detail

// TempDir()/nibble_<pid>_<name>, removed at exit.
inline std::string process_temp_path(const std::string& name) {
  // The vector is constructed before the handler is registered, so it is
  // destroyed after the handler runs.
  if (detail::process_temp_paths().empty()) std::atexit(detail::remove_process_temp_paths);
  std::string path = ::testing::TempDir() + "nibble_" + std::to_string(getpid()) + "_" + name;
  detail::process_temp_paths().push_back(path);
  return path;
}

}  // namespace nibble::testing
