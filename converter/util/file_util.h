// Whole-file reads and atomic writes for the converter and tools.
#pragma once

#include <string>

namespace nibble::convert {

// Throws Error("PATH: cannot read: REASON").
std::string read_file(const std::string& path);

// A file written to a fresh temporary PATH.tmp.XXXXXX in the destination's
// directory (so the rename stays on one file system) and fsynced; commit()
// renames it to PATH. Until then PATH, existing or not, is untouched; a
// StagedFile destroyed without commit (an error, an exception unwinding)
// removes its temporary. Failures throw Error("PATH: ...").
class StagedFile {
 public:
  StagedFile(const std::string& path, const std::string& bytes);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  void commit();

 private:
  void remove_temporary();
  std::string path_, tmp_;
};

// StagedFile(path, bytes).commit().
void write_file_atomic(const std::string& path, const std::string& bytes);

std::string base_name(const std::string& path);

}  // namespace nibble::convert
