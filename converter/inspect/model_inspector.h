// Reads a .nbl file defensively (size prefix against the file size, then
// the FlatBuffers Verifier, then segment bounds) and describes it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace nibble::convert {

struct Inspection {
  std::string text;  // human-readable, several lines
  std::string json;  // one line
  uint64_t file_bytes = 0, weight_bytes = 0, arena_bytes = 0;
  int num_operators = 0;
  std::map<std::string, int> op_counts;
};

// Throws Error ("PATH: <why>", one line) for an unreadable, truncated,
// non-nibble or malformed file.
Inspection inspect_model_file(const std::string& path);

}  // namespace nibble::convert
