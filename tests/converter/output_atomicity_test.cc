// The output is staged in a temporary file next to it and renamed only on
// success: a failure at any step (unwritable directory, output path that is
// a directory, a model error) leaves a previous output untouched, no
// temporary, and no half of the output pair (model + --report HTML).
#include <sys/stat.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "tests/converter/conversion_failure.h"
#include "tests/converter/onnx_builder.h"

namespace nibble::test {
namespace {

// x [1,64] -> MatMul(w [64,32]): a weight the codecs can quantize.
void save_model(const TempDir& dir) {
  OnnxBuilder b;
  b.input("x", {1, 64}).output("y");
  b.initializer("w", {64, 32}, random_floats(64 * 32, 7));
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  b.save(dir.file("m.onnx"));
}

std::string convert_error(const std::string& model, const std::string& out, const convert::ConvertOptions& options = {}) {
  try {
    convert::convert_onnx_file(model, out, options);
  } catch (const convert::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "conversion succeeded";
  return "";
}

TEST(OutputAtomicity, SuccessLeavesOnlyTheOutputAndReplacesAnOldOne) {
  TempDir dir;
  save_model(dir);
  write_bytes(dir.file("out.nbl"), "previous");
  convert::convert_onnx_file(dir.file("m.onnx"), dir.file("out.nbl"), {});
  EXPECT_NE(read_bytes(dir.file("out.nbl")), "previous");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "out.nbl"}));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("out.nbl").c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644u & ~mask);  // not mkstemp's 0600
}

TEST(OutputAtomicity, ParentIsNotADirectory) {
  TempDir dir;
  save_model(dir);
  write_bytes(dir.file("file"), "x");
  const std::string msg = convert_error(dir.file("m.onnx"), dir.file("file/out.nbl"));
  EXPECT_CONTAINS(msg, dir.file("file/out.nbl") + ": cannot write: Not a directory");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"file", "m.onnx"}));
}

TEST(OutputAtomicity, OutputPathIsADirectory) {
  TempDir dir;
  save_model(dir);
  ASSERT_EQ(::mkdir(dir.file("out.nbl").c_str(), 0755), 0);
  const std::string msg = convert_error(dir.file("m.onnx"), dir.file("out.nbl"));
  EXPECT_CONTAINS(msg, dir.file("out.nbl") + ": rename failed");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "out.nbl"}));  // no temporary left
  ::rmdir(dir.file("out.nbl").c_str());
}

TEST(OutputAtomicity, ReportNotWrittenWhenTheModelCannotBe) {
  TempDir dir;
  save_model(dir);
  convert::ConvertOptions options;
  options.codecs = {"q8_0"};
  options.report_html = dir.file("report.html");
  const std::string msg = convert_error(dir.file("m.onnx"), dir.file("missing/out.nbl"), options);
  EXPECT_CONTAINS(msg, "cannot write");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.onnx"});
}

TEST(OutputAtomicity, ModelNotWrittenWhenTheReportCannotBe) {
  TempDir dir;
  save_model(dir);
  write_bytes(dir.file("out.nbl"), "previous");
  convert::ConvertOptions options;
  options.codecs = {"q8_0"};
  options.report_html = dir.file("missing/report.html");
  EXPECT_CONTAINS(convert_error(dir.file("m.onnx"), dir.file("out.nbl"), options), "cannot write");
  EXPECT_EQ(read_bytes(dir.file("out.nbl")), "previous");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "out.nbl"}));
}

TEST(OutputAtomicity, BothWrittenOnSuccess) {
  TempDir dir;
  save_model(dir);
  convert::ConvertOptions options;
  options.codecs = {"q8_0"};
  options.report_html = dir.file("report.html");
  convert::convert_onnx_file(dir.file("m.onnx"), dir.file("out.nbl"), options);
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "out.nbl", "report.html"}));
}

TEST(OutputAtomicity, ModelErrorThroughTheToolLeavesTheOldOutput) {
  TempDir dir;
  write_bytes(dir.file("m.onnx"), std::string("\x08\x07\x12", 3));  // a truncated protobuf
  write_bytes(dir.file("out.nbl"), "previous");
  const auto r = run_command({NIBBLE_CONVERT_BIN, dir.file("m.onnx"), "-o", dir.file("out.nbl")}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("nibble-convert: error: " + dir.file("m.onnx") + ": not an ONNX model", 0), 0u) << r.err;
  EXPECT_EQ(read_bytes(dir.file("out.nbl")), "previous");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "out.nbl"}));
}

}  // namespace
}  // namespace nibble::test
