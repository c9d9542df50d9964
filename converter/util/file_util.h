// Whole-file reads and atomic writes for the converter and tools.
#pragma once

#include <string>

namespace nibble::convert {

// Throws Error("PATH: cannot read: REASON").
std::string read_file(const std::string& path);

// Writes bytes to PATH.tmp.PID in the same directory, fsyncs, and renames
// it to path. On any failure the temporary file is removed and Error thrown.
void write_file_atomic(const std::string& path, const std::string& bytes);

std::string base_name(const std::string& path);

}  // namespace nibble::convert
