// Wrong nibble-convert options: a usage error (exit 2) for what the
// command line alone shows is wrong, a conversion error (exit 1) for what
// needs the model (a codec rule, a layer glob); always one line on stderr,
// and no output file.
#include "gtest/gtest.h"
#include "tests/converter/conversion_failure.h"
#include "tests/converter/onnx_builder.h"
#include "tests/converter/safetensors_builder.h"

namespace nibble::test {
namespace {


int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

struct Case {
  std::vector<std::string> args;
  int exit_code;
  std::string message;
};

void expect_refused(const std::string& model, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    TempDir dir;
    std::vector<std::string> argv = {NIBBLE_CONVERT_BIN, model, "-o", dir.file("out.nbl")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = run_command(argv, dir);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[0] << " " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_CONTAINS(r.err, c.message);
    EXPECT_TRUE(dir.list().empty()) << c.args[0];
  }
}

TEST(ConvertOptions, OnnxOptionsRefused) {
  // A one-layer model rather than the ResNet fixture: the codec cases run
  // the whole import, and the tests also run under qemu.
  TempDir model_dir;
  OnnxBuilder b;
  b.input("input", {1, 64}).output("y");
  b.initializer("w", {64, 32}, random_floats(64 * 32, 4));
  b.node("MatMul", {"input", "w"}, {"y"}, "fc");
  b.save(model_dir.file("m.onnx"));
  expect_refused(model_dir.file("m.onnx"), {
      {{"--codec", "zz9"}, 1, "codec 'zz9'"},
      {{"--codec", "q4_0,group=-3"}, 1, "q4_0,group=-3"},
      {{"--codec", "lut:99"}, 1, "lut:99"},
      {{"--codec", "=q4_0"}, 1, "--codec"},
      {{"--codec", "layer9.*=q4_0"}, 1, "'layer9.*' matches no CONV2D/LINEAR/EMBEDDING weight"},
      {{"--codec", "fc=nonsense"}, 1, "--codec 'fc=nonsense'"},
      {{"--keep", "nothing_here"}, 1, "--keep 'nothing_here' matches no"},
      {{"--target-bpw", "0"}, 2, "--target-bpw needs a number of bits per weight in [1, 32]"},
      {{"--target-bpw", "nan"}, 2, "--target-bpw needs"},
      {{"--calib-samples", "0"}, 2, "--calib-samples needs a count in 1..100000"},
      {{"--input-shape", "input=1,-3"}, 2, "--input-shape: bad dimension '-3'"},
      {{"--input-shape", "input"}, 2, "--input-shape expects NAME=VALUE"},
      {{"--bind", "input"}, 2, "--bind expects NAME=VALUE"},
      {{"--max-tokens", "64"}, 2, "--max-tokens applies to Hugging Face checkpoints only"},
      {{"--report", "r.html"}, 2, "--report describes quantization"},
  });
}

TEST(ConvertOptions, MaxTokensOutOfRange) {
  for (const char* v : {"0", "-1", "abc", "16777217", "99999999999999999999999"}) {
    expect_refused(gpt2_fixture_dir(), {{{"--max-tokens", v}, 2, "--max-tokens needs a token count in 1..16777216"}});
  }
  // Within the option's range, beyond the checkpoint's n_positions (256).
  expect_refused(gpt2_fixture_dir(), {{{"--max-tokens", "257"}, 1, "257"}});
}

}  // namespace
}  // namespace nibble::test
