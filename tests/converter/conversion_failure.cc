#include "tests/converter/conversion_failure.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace nibble::test {

std::string expect_onnx_failure(const TempDir& dir, const std::string& model, const convert::ConvertOptions& options) {
  write_bytes(dir.file("out.nbl"), "previous");
  const std::vector<std::string> before = dir.list();
  std::string message;
  try {
    convert::convert_onnx_file(dir.file(model), dir.file("out.nbl"), options);
    ADD_FAILURE() << "conversion succeeded";
  } catch (const convert::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(read_bytes(dir.file("out.nbl")), "previous");
  EXPECT_EQ(dir.list(), before);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_CONTAINS(message, dir.file(model));
  ::unlink(dir.file("out.nbl").c_str());
  return message;
}

}  // namespace nibble::test
