// The command-line contract of `resnet` and `nibble-inspect`, run as
// programs: figures on the last stdout line with --json, exit code 1 and a
// one-line error naming the file on bad input, 2 on bad options.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/cifar_reader.h"
#include "cli_runner.h"
#include "converted_model.h"
#include "support/temp_path.h"

namespace nibble {
namespace {

const std::string kFixtures = NIBBLE_FIXTURES_DIR;

using Output = testing::CliOutput;

Output run(const std::string& command) { return testing::run_cli(command); }

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.find_last_of('\n') + 1);
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Top-1 of the first `count` images according to PyTorch's logits.
int reference_correct(size_t count) {
  const examples::CifarFile cifar = examples::read_cifar(kFixtures + "/cifar10_test_1000.bin");
  std::ifstream in(kFixtures + "/resnet20_cifar10_fp32_logits.f32", std::ios::binary);
  std::vector<float> logits(1000 * 10);
  in.read(reinterpret_cast<char*>(logits.data()), logits.size() * 4);
  int correct = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t best = 0;
    for (size_t c = 1; c < 10; ++c) best = logits[i * 10 + c] > logits[i * 10 + best] ? c : best;
    correct += best == cifar.image(i).label;
  }
  return correct;
}

TEST(ResnetCli, JsonLastLineCarriesTheFigures) {
  const std::string& model = testing::converted_fixture("resnet20_cifar10.onnx");
  const Output o = run(std::string(NIBBLE_RESNET_BIN) + " -m " + model + " --cifar " + kFixtures +
                       "/cifar10_test_1000.bin --limit 200 --json");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string json = last_line(o.out);
  for (const char* key : {"\"top1\":", "\"images_per_s\":", "\"latency_ms_median\":", "\"model_bytes\":",
                          "\"peak_rss_bytes\":"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " missing from " << json;
  }
  char expected[64];
  std::snprintf(expected, sizeof(expected), "\"top1\":%.6g,", reference_correct(200) / 2.0);
  EXPECT_NE(json.find(expected), std::string::npos) << json << " should contain " << expected;
}

TEST(ResnetCli, ClassifiesAPpmImage) {
  const std::string& model = testing::converted_fixture("resnet20_cifar10.onnx");
  // Image 3 of the set as a 32x32 PPM: P6 wants interleaved RGB.
  const examples::CifarFile cifar = examples::read_cifar(kFixtures + "/cifar10_test_1000.bin");
  const examples::CifarImage image = cifar.image(3);
  const std::string ppm = testing::process_temp_path("image3.ppm");
  {
    std::ofstream out(ppm, std::ios::binary);
    out << "P6\n32 32\n255\n";
    for (size_t p = 0; p < examples::kCifarPixels; ++p) {
      for (int c = 0; c < 3; ++c) out.put(static_cast<char>(image.planes[c * examples::kCifarPixels + p]));
    }
  }
  const Output o = run(std::string(NIBBLE_RESNET_BIN) + " -m " + model + " --ppm " + ppm);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  // Resizing 32x32 to 32x32 is the identity, so the class is the CIFAR
  // record's own prediction; image 3 is an airplane (label 0) that the
  // reference logits classify correctly.
  EXPECT_EQ(image.label, 0);
  EXPECT_NE(o.out.find("class 0 airplane"), std::string::npos) << o.out;
}

TEST(ResnetCli, BadInputsGiveOneLineErrors) {
  const Output missing = run(std::string(NIBBLE_RESNET_BIN) + " -m /nonexistent.nbl --cifar x.bin");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(count_lines(missing.err), 1) << missing.err;
  EXPECT_NE(missing.err.find("/nonexistent.nbl"), std::string::npos) << missing.err;

  const std::string& model = testing::converted_fixture("resnet20_cifar10.onnx");
  const Output bad_data = run(std::string(NIBBLE_RESNET_BIN) + " -m " + model + " --cifar " + model);
  EXPECT_EQ(bad_data.exit_code, 1);
  EXPECT_EQ(count_lines(bad_data.err), 1) << bad_data.err;

  const Output bad_option = run(std::string(NIBBLE_RESNET_BIN) + " --frobnicate");
  EXPECT_EQ(bad_option.exit_code, 2);
  EXPECT_EQ(count_lines(bad_option.err), 1) << bad_option.err;

  const Output help = run(std::string(NIBBLE_RESNET_BIN) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--backend"), std::string::npos);
}

TEST(InspectCli, ReportsRuntimeCheckAndArena) {
  const std::string& model = testing::converted_fixture("resnet20_cifar10.onnx");
  const Output o = run(std::string(NIBBLE_INSPECT_BIN) + " " + model + " --json");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("runtime check: ok"), std::string::npos);
  const std::string json = last_line(o.out);
  EXPECT_NE(json.find("\"arena_bytes\":"), std::string::npos) << json;
  EXPECT_NE(json.find("\"runtime_check\":\"ok\""), std::string::npos) << json;
}

}  // namespace
}  // namespace nibble
