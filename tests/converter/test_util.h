// Helpers shared by the converter tests.
#pragma once

#include <string>
#include <vector>

#include "schema/nibble_generated.h"

namespace nibble::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> list() const;  // sorted names

 private:
  std::string path_;
};

std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

// The verified root of a .nbl file's bytes (fails the test if invalid).
const fb::Model* verified_model(const std::string& bytes);

// Operator counts by opcode name.
std::vector<std::pair<std::string, int>> op_histogram(const fb::Model* model);
int count_ops(const fb::Model* model, fb::OpCode code);

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs argv[0] with arguments through the shell, capturing stdout/stderr.
CommandResult run_command(const std::vector<std::string>& argv, const TempDir& dir);

}  // namespace nibble::test
