#include "tests/converter/test_util.h"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "gtest/gtest.h"

namespace nibble::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/nibble_conv_test_XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) std::abort();
  path_ = buf.data();
}

TempDir::~TempDir() {
  for (const std::string& name : list()) ::unlink(file(name).c_str());
  ::rmdir(path_.c_str());
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(path_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

const fb::Model* verified_model(const std::string& bytes) {
  uint32_t prefix = 0;
  if (bytes.size() >= 4) std::memcpy(&prefix, bytes.data(), 4);
  EXPECT_LE(prefix, bytes.size() - 4);
  // The Verifier wants exactly the size-prefixed FlatBuffer, not the data region.
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), 4 + prefix);
  EXPECT_TRUE(fb::VerifySizePrefixedModelBuffer(v));
  return fb::GetSizePrefixedModel(bytes.data());
}

std::vector<std::pair<std::string, int>> op_histogram(const fb::Model* model) {
  std::map<std::string, int> counts;
  for (const fb::Operator* op : *model->operators()) ++counts[fb::EnumNameOpCode(op->opcode())];
  return {counts.begin(), counts.end()};
}

int count_ops(const fb::Model* model, fb::OpCode code) {
  int n = 0;
  for (const fb::Operator* op : *model->operators()) n += op->opcode() == code;
  return n;
}

CommandResult run_command(const std::vector<std::string>& argv, const TempDir& dir) {
  std::string cmd;
  for (const std::string& a : argv) {
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += q + "' ";
  }
  const std::string out = dir.file("cmd.stdout"), err = dir.file("cmd.stderr");
  cmd += "> '" + out + "' 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_bytes(out);
  r.err = read_bytes(err);
  ::unlink(out.c_str());
  ::unlink(err.c_str());
  return r;
}

}  // namespace nibble::test
