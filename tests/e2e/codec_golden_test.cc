// Every codec, end to end on the shipped ResNet-20: nibble-convert's
// report must give the weight SNRs the independent implementation measured
// for the same definitions (../shared/reference, copied below), and the
// converted model must classify the shipped CIFAR-10 images about as well
// as FP32 (91.50%).
//
// NIBBLE_GOLDEN_IMAGES (default 1000) limits the images: the sanitizer and
// emulated legs run 100 or fewer. Agreement with the FP32 model's top-1 is
// asserted for any count; top-1 accuracy only on all 1000 images (its
// standard error is ~0.9%, so a subset's figure means little).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "common/cifar_reader.h"
#include "converter/convert.h"
#include "nibble/nibble.hpp"

namespace nibble {
namespace {

constexpr size_t kClasses = 10;
constexpr double kNoFigure = std::numeric_limits<double>::quiet_NaN();

struct CodecCase {
  const char* name;       // test name
  const char* spec;       // --codec
  double reference_snr;   // resnet_cifar_codec_figures.txt, NaN if none
  double tolerance;       // dB around reference_snr (see below)
  double min_snr;         // our own floor
  double min_top1;        // on 1000 images, percent
  double min_agreement;   // with the FP32 top-1, percent
  bool calibrate = false; // --calib with the last 500 images (gptq)
};

// Figures from ../shared/reference/resnet_cifar_codec_figures.txt (fake
// quant in PyTorch, same definitions). Tolerance 0.2 dB, except where the
// reference differs from the definition as written, evaluated on the
// shipped weights by an independent NumPy script
// (bench/reference/codec_snr.py), by more: there our figure equals that
// script's to 0.01 dB and the gap is the reference's (it also puts the
// per-channel int8/int4 figures 0.06 dB below what these weights give, so
// its weights or its layer set differ slightly from the shipped ONNX).
// Top-1 floors: the targets (8 bits: within 0.3% of 91.50%; best
// 4-bit >= 91.0%; best 3-bit >= 89.0%) and, for the rest, the reference's
// top-1 less 1.5% (rounding details move a 1000-image top-1 by about
// +-0.3%).
const CodecCase kCases[] = {
    {"f16", "f16", kNoFigure, 0, 60.0, 91.2, 99.5},
    {"bf16", "bf16", kNoFigure, 0, 45.0, 91.2, 98.5},
    {"q8_0", "q8_0", 45.20, 0.25, 44.0, 91.2, 98.5},
    {"int8", "int8", 41.92, 0.2, 40.0, 91.2, 98.0},
    {"pqnt8_tensor", "pqnt:8,tensor", 40.61, 0.2, 39.0, 91.2, 98.0},
    {"pqnt8_channel", "pqnt:8", 43.02, 0.2, 41.0, 91.2, 98.0},
    {"log2_8", "log2:8", 38.28, 0.2, 37.0, 91.2, 98.0},
    {"lut8", "lut:8", kNoFigure, 0, 45.0, 91.2, 98.5},
    {"affine8_g32", "affine:8,group=32", kNoFigure, 0, 44.0, 91.2, 98.5},
    {"lsq_c8_seed", "lsq:7", 19.32, 0.3, 18.5, 89.3, 90.0},
    {"q5_0", "q5_0", 27.23, 0.2, 26.5, 89.7, 95.0},
    {"q5_1", "q5_1", 28.58, 0.35, 27.5, 90.0, 95.0},
    {"lsq_c6_seed", "lsq:5", 15.39, 0.25, 14.5, 86.5, 85.0},
    {"q4_0", "q4_0", 21.23, 0.25, 20.5, 89.9, 92.0},
    {"q4_1", "q4_1", 22.25, 0.35, 21.5, 89.4, 92.0},
    {"int4", "int4", 16.84, 0.2, 16.0, 88.9, 88.0},
    {"pqnt4_channel", "pqnt:4", 17.83, 0.2, 17.0, 88.1, 88.0},
    {"log2_4", "log2:4", 19.21, 1.1, 18.0, 89.4, 90.0},
    {"lsq_c4_seed", "lsq:3", 9.88, 0.2, 9.0, 70.0, 70.0},
    {"lut4", "lut:4", kNoFigure, 0, 22.5, 91.0, 94.0},
    {"lut3", "lut:3", kNoFigure, 0, 16.5, 88.0, 90.0},
    {"lut3_gptq", "lut:3,gptq", kNoFigure, 0, 14.0, 89.0, 93.0, true},
    {"lut2_gptq", "lut:2,gptq", kNoFigure, 0, 7.0, 80.0, 80.0, true},
};

void PrintTo(const CodecCase& c, std::ostream* os) { *os << c.spec; }

size_t golden_images() {
  const char* env = std::getenv("NIBBLE_GOLDEN_IMAGES");
  const long n = env != nullptr ? std::strtol(env, nullptr, 10) : 1000;
  return n >= 1 && n <= 1000 ? static_cast<size_t>(n) : 1000;
}

std::vector<float> fp32_logits() {
  std::ifstream in(std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10_fp32_logits.f32", std::ios::binary);
  std::vector<float> logits(1000 * kClasses);
  in.read(reinterpret_cast<char*>(logits.data()), static_cast<std::streamsize>(logits.size() * sizeof(float)));
  EXPECT_EQ(static_cast<size_t>(in.gcount()), logits.size() * sizeof(float));
  return logits;
}

size_t argmax(const float* x) {
  size_t best = 0;
  for (size_t c = 1; c < kClasses; ++c) {
    if (x[c] > x[best]) best = c;
  }
  return best;
}

class CodecGolden : public ::testing::TestWithParam<CodecCase> {};

TEST_P(CodecGolden, ReportAndAccuracy) {
  const CodecCase& c = GetParam();
  const std::string out = ::testing::TempDir() + "/resnet20_" + c.name + ".nbl";
  convert::ConvertOptions options;
  options.codecs = {c.spec};
  if (c.calibrate) {
    // Calibrate on the last 500 images only, so the first 500 stay unseen
    // (their top-1 is printed too).
    std::ifstream in(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(all.size(), 1000u * 3073u);
    options.calib_file = ::testing::TempDir() + "/calib_" + c.name + ".bin";
    std::ofstream(options.calib_file, std::ios::binary).write(all.data() + 500 * 3073, 500 * 3073);
  }
  const convert::ConvertReport report =
      convert::convert_onnx_file(std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10.onnx", out, options);
  ASSERT_EQ(report.quantization.layers.size(), 20u);  // 19 convolutions and the classifier
  const double snr = report.quantization.total().snr_db();
  if (!std::isnan(c.reference_snr)) {
    EXPECT_NEAR(snr, c.reference_snr, c.tolerance) << "weight SNR differs from the reference implementation's";
  }
  EXPECT_GE(snr, c.min_snr);

  Result<Model> model = Model::load_file(out.c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model->weight_bytes(), report.weight_bytes);
  SessionOptions session_options;
  session_options.backend = Backend::kReference;
  Result<Session> session = Session::create(model.value(), session_options);
  ASSERT_TRUE(session.is_ok()) << session.status().message();

  const examples::CifarFile cifar = examples::read_cifar(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin");
  const std::vector<float> reference = fp32_logits();
  const size_t n = golden_images();
  size_t correct = 0, agree = 0, correct_first500 = 0;
  for (size_t i = 0; i < n; ++i) {
    const examples::CifarImage image = cifar.image(i);
    examples::normalize_chw(image.planes, examples::kCifarPixels, session->input_data(0));
    ASSERT_TRUE(session->run().is_ok());
    const size_t predicted = argmax(session->output_data(0));
    correct += predicted == image.label ? 1 : 0;
    if (i < 500) correct_first500 += predicted == image.label ? 1 : 0;
    agree += predicted == argmax(&reference[i * kClasses]) ? 1 : 0;
  }
  const double top1 = 100.0 * static_cast<double>(correct) / static_cast<double>(n);
  const double agreement = 100.0 * static_cast<double>(agree) / static_cast<double>(n);
  char first500[32] = "";
  if (n >= 500) std::snprintf(first500, sizeof first500, "  first 500 %5.1f%%", correct_first500 / 5.0);
  std::printf("[ figures  ] %-14s %6.3f bpw  %9llu bytes  SNR %6.2f dB  top-1 %6.2f%%  agreement %6.2f%%%s  (%zu images)\n",
              c.spec, report.quantization.bits_per_weight(), static_cast<unsigned long long>(report.file_bytes), snr,
              top1, agreement, first500, n);
  // A subset's agreement moves more (one image is 1% of 100): 5% slack.
  EXPECT_GE(agreement, n == 1000 ? c.min_agreement : c.min_agreement - 5.0);
  if (n == 1000) {
    EXPECT_GE(top1, c.min_top1);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, CodecGolden, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CodecCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nibble
