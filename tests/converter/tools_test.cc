// The command-line tools: exit codes, one-line errors, the report and
// inspect's JSON line.
#include "gtest/gtest.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

const std::string kConvert = NIBBLE_CONVERT_BIN;
const std::string kInspect = NIBBLE_INSPECT_BIN;
const std::string kModel = std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10.onnx";

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(Tools, ConvertSucceedsAndPrintsAReport) {
  TempDir dir;
  const auto r = run_command({kConvert, kModel, "-o", dir.file("r20.nbl"), "--input-shape", "input=1,3,32,32"}, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fused activations: 19"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("weight bytes: 1076136"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("arena bytes:"), std::string::npos) << r.out;
  EXPECT_EQ(dir.list(), std::vector<std::string>{"r20.nbl"});

  const auto q = run_command({kConvert, kModel, "-o", dir.file("q.nbl"), "--quiet"}, dir);
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_TRUE(q.out.empty());

  const auto i = run_command({kInspect, dir.file("r20.nbl"), "--json"}, dir);
  EXPECT_EQ(i.exit_code, 0) << i.err;
  const std::string last = i.out.substr(i.out.rfind('\n', i.out.size() - 2) + 1);
  EXPECT_EQ(last.front(), '{');
  EXPECT_EQ(last.substr(last.size() - 2), "}\n");
  EXPECT_NE(last.find("\"CONV2D\":19"), std::string::npos) << last;
  EXPECT_NE(last.find("\"weight_bytes\":1076136"), std::string::npos) << last;
  EXPECT_NE(last.find("\"producer\":\"nibble-convert\""), std::string::npos) << last;
  EXPECT_NE(i.out.find("CONV2D '/conv1/Conv'"), std::string::npos);
  EXPECT_NE(i.out.find("onnx::Conv_254 [16,3,3,3] f32, 32.000 bits/weight, 1728 bytes"), std::string::npos);
}

TEST(Tools, ConvertErrorsAreOneLineWithExitCode1) {
  TempDir dir;
  write_bytes(dir.file("bad.onnx"), std::string("\xff\xff\xff\xff garbage", 12));
  const auto r = run_command({kConvert, dir.file("bad.onnx"), "-o", dir.file("out.nbl")}, dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("nibble-convert: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("not an ONNX model"), std::string::npos);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"bad.onnx"});
}

TEST(Tools, ConvertUsageErrorsExit2) {
  TempDir dir;
  EXPECT_EQ(run_command({kConvert}, dir).exit_code, 2);
  EXPECT_EQ(run_command({kConvert, kModel}, dir).exit_code, 2);  // no -o
  EXPECT_EQ(run_command({kConvert, kModel, "-o", dir.file("x.nbl"), "--frobnicate"}, dir).exit_code, 2);
  EXPECT_EQ(run_command({kConvert, kModel, "-o", dir.file("x.nbl"), "--input-shape", "input=1,x"}, dir).exit_code, 2);
  EXPECT_EQ(run_command({kConvert, kModel, "-o"}, dir).exit_code, 2);
  const auto h = run_command({kConvert, "--help"}, dir);
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("usage: nibble-convert"), std::string::npos);
  EXPECT_TRUE(dir.list().empty());
}

TEST(Tools, InspectRejectsBadFiles) {
  TempDir dir;
  const auto missing = run_command({kInspect, dir.file("absent.nbl")}, dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(count_lines(missing.err), 1);

  write_bytes(dir.file("text.nbl"), "this is not a nibble model, just some text\n");
  const auto text = run_command({kInspect, dir.file("text.nbl")}, dir);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(count_lines(text.err), 1) << text.err;
  EXPECT_NE(text.err.find("not a nibble model"), std::string::npos) << text.err;

  ASSERT_EQ(run_command({kConvert, kModel, "-o", dir.file("good.nbl"), "-q"}, dir).exit_code, 0);
  const std::string good = read_bytes(dir.file("good.nbl"));
  for (size_t cut : {size_t{7}, size_t{64}, size_t{5000}, good.size() - 64}) {
    write_bytes(dir.file("cut.nbl"), good.substr(0, cut));
    const auto r = run_command({kInspect, dir.file("cut.nbl")}, dir);
    EXPECT_EQ(r.exit_code, 1) << "cut at " << cut;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
  }
  std::string corrupt = good;
  for (size_t k = 12; k < 200; ++k) corrupt[k] = static_cast<char>(0xA5);
  write_bytes(dir.file("corrupt.nbl"), corrupt);
  const auto c = run_command({kInspect, dir.file("corrupt.nbl")}, dir);
  EXPECT_EQ(c.exit_code, 1) << c.out;
  EXPECT_EQ(count_lines(c.err), 1) << c.err;

  EXPECT_EQ(run_command({kInspect}, dir).exit_code, 2);
  EXPECT_EQ(run_command({kInspect, "--bogus"}, dir).exit_code, 2);
  EXPECT_EQ(run_command({kInspect, "--help"}, dir).exit_code, 0);
}

}  // namespace
}  // namespace nibble::test
