// The converter's quantization front end: codec spec strings, layer names
// and globs, the per-layer policy (--codec GLOB=SPEC, --keep,
// --target-bpw), calibration data, the report (table, metadata, HTML) and
// what nibble-inspect shows of a mixed-policy file.
#include <cmath>
#include <map>

#include "converter/convert.h"
#include "converter/quant/codec_spec.h"
#include "converter/quant/layer_names.h"
#include "nibble/nibble.hpp"
#include "gtest/gtest.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

using convert::quant::CodecKind;
using convert::quant::codec_spec_string;
using convert::quant::parse_codec_spec;

const std::string kModel = std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10.onnx";
const std::string kCifar = std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin";
const std::string kConvert = NIBBLE_CONVERT_BIN;
const std::string kInspect = NIBBLE_INSPECT_BIN;

TEST(CodecSpec, ParsesEverySpecOfTheCommandLineContract) {
  const std::map<std::string, std::pair<CodecKind, int>> expected = {
      {"f32", {CodecKind::kF32, 32}},       {"f16", {CodecKind::kF16, 16}},     {"bf16", {CodecKind::kBF16, 16}},
      {"q8_0", {CodecKind::kQ8_0, 8}},      {"q4_0", {CodecKind::kQ4_0, 4}},    {"q4_1", {CodecKind::kQ4_1, 4}},
      {"q5_0", {CodecKind::kQ5_0, 5}},      {"q5_1", {CodecKind::kQ5_1, 5}},    {"int8", {CodecKind::kInt, 8}},
      {"int4", {CodecKind::kInt, 4}},       {"affine:4", {CodecKind::kAffine, 4}},
      {"affine:2,group=64", {CodecKind::kAffine, 2}}, {"pqnt:4", {CodecKind::kPqnt, 4}},
      {"pqnt:8,p=auto,tensor", {CodecKind::kPqnt, 8}}, {"lsq:7", {CodecKind::kLsq, 8}},
      {"log2:4", {CodecKind::kLog2, 4}},   {"lut:3", {CodecKind::kLut, 3}},
  };
  for (const auto& [text, kind_bits] : expected) {
    SCOPED_TRACE(text);
    const auto spec = parse_codec_spec(text);
    EXPECT_EQ(spec.kind, kind_bits.first);
    EXPECT_EQ(spec.bits, kind_bits.second);
    // The canonical string parses back to the same codec.
    const auto again = parse_codec_spec(codec_spec_string(spec));
    EXPECT_EQ(codec_spec_string(again), codec_spec_string(spec));
  }
  const auto g = parse_codec_spec("affine:4,group=32,calib=percentile:99.9");
  EXPECT_EQ(g.granularity, codec::Granularity::kGroup);
  EXPECT_EQ(g.group_size, 32);
  EXPECT_EQ(codec_spec_string(g), "affine:4,group=32,calib=percentile:99.9");
  EXPECT_TRUE(parse_codec_spec("pqnt:4,p=auto").power_auto);
  EXPECT_FLOAT_EQ(parse_codec_spec("pqnt:4,p=0.7").power, 0.7f);
  EXPECT_EQ(parse_codec_spec("pqnt:8,tensor").granularity, codec::Granularity::kTensor);
  EXPECT_EQ(parse_codec_spec("int4,round=stochastic,seed=3").rounding, codec::RoundingMode::kStochastic);
}

TEST(CodecSpec, RejectsBadSpecsWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"q3_0", "unknown codec"},     {"lut", "needs a width"},          {"lut:0", "width"},
      {"int:9", "width"},            {"pqnt:4,p=-1", "p must be"},      {"q4_0,group=32", "does not apply"},
      {"lut:4,round=stochastic", "stochastic"}, {"affine:4,calib=bogus", "minmax"}, {"log2:4,zap", "unknown"},
  };
  for (const auto& [text, fragment] : bad) {
    SCOPED_TRACE(text);
    try {
      parse_codec_spec(text);
      ADD_FAILURE() << "accepted";
    } catch (const convert::Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  }
}

TEST(LayerNames, FollowTheModulePath) {
  using convert::quant::layer_name;
  EXPECT_EQ(layer_name("/layer3/layer3.0/conv1/Conv", "Conv"), "layer3.0.conv1");
  EXPECT_EQ(layer_name("/conv1/Conv", "Conv"), "conv1");
  EXPECT_EQ(layer_name("/linear/Gemm", "Gemm"), "linear");
  EXPECT_EQ(layer_name("fc1", "Gemm"), "fc1");
  EXPECT_TRUE(convert::quant::glob_match("layer3.*", "layer3.0.conv1"));
  EXPECT_FALSE(convert::quant::glob_match("conv1", "layer1.0.conv1"));
}

convert::ConvertReport convert_with(const convert::ConvertOptions& options, const std::string& out) {
  return convert::convert_onnx_file(kModel, out, options);
}

std::map<std::string, std::string> codec_by_layer(const convert::ConvertReport& r) {
  std::map<std::string, std::string> m;
  for (const auto& l : r.quantization.layers) m[l.tensor] = l.codec;
  return m;
}

TEST(Policy, OverridesByGlobAndKeepsLayersInF32) {
  TempDir dir;
  convert::ConvertOptions options;
  options.codecs = {"q4_0", "layer3.*=lsq:7", "layer3.2.conv2=int8"};
  options.keep = {"conv1,linear"};
  const auto r = convert_with(options, dir.file("mixed.nbl"));
  const auto codecs = codec_by_layer(r);
  ASSERT_EQ(codecs.size(), 20u);
  EXPECT_EQ(codecs.at("conv1"), "f32");
  EXPECT_EQ(codecs.at("linear"), "f32");
  EXPECT_EQ(codecs.at("layer1.0.conv1"), "q4_0");
  EXPECT_EQ(codecs.at("layer3.0.conv1"), "lsq:7");
  EXPECT_EQ(codecs.at("layer3.2.conv2"), "int8");  // later rules win
  for (const auto& l : r.quantization.layers) {
    if (l.codec == "f32") {
      EXPECT_TRUE(std::isinf(l.error.snr_db()));
    }
    if (l.codec == "q4_0") {
      // 4.5 bits per weight, more where a row is not a multiple of 32
      // (3x3x16 = 144 = 4.5 blocks: 5 blocks, 5.0 bits per weight).
      EXPECT_GE(l.bits_per_weight, 4.5);
      EXPECT_LE(l.bits_per_weight, 5.0);
    }
  }

  // The mixed file loads and runs (its accuracy is codec_golden_test's job).
  Result<Model> model = Model::load_file(dir.file("mixed.nbl").c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  Result<Session> session = Session::create(model.value());
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  for (size_t i = 0; i < model->input(0).numel; ++i) session->input_data(0)[i] = 0.01f * static_cast<float>(i % 97);
  ASSERT_TRUE(session->run().is_ok());
  for (size_t c = 0; c < 10; ++c) EXPECT_TRUE(std::isfinite(session->output_data(0)[c]));

  // nibble-inspect shows each layer's codec and bits per weight.
  const auto i = run_command({kInspect, dir.file("mixed.nbl")}, dir);
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("'/conv1/Conv'"), std::string::npos);
  EXPECT_NE(i.out.find("weights=q4_0 (4.500 bits/weight)"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("weights=lsq 8-bit per-channel f32 scales"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("weights=int 8-bit per-channel f32 scales"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("weights=f32 (32.000 bits/weight)"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("quantization_report"), std::string::npos);
}

TEST(Policy, GlobsThatMatchNothingAreErrors) {
  TempDir dir;
  convert::ConvertOptions options;
  options.codecs = {"q4_0", "layer9.*=int8"};
  EXPECT_THROW(convert_with(options, dir.file("x.nbl")), convert::Error);
  options.codecs = {"q4_0"};
  options.keep = {"conv9"};
  try {
    convert_with(options, dir.file("x.nbl"));
    ADD_FAILURE() << "accepted";
  } catch (const convert::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'conv9' matches no"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.list().empty());  // no half-written output
}

TEST(Policy, TargetBitsPerWeightIsMetGreedily) {
  TempDir dir;
  convert::ConvertOptions options;
  options.codecs = {"int:4"};
  options.target_bpw = 5.0;
  const auto r = convert_with(options, dir.file("budget.nbl"));
  const double bpw = r.quantization.bits_per_weight();
  EXPECT_LE(bpw, 5.0);
  EXPECT_GT(bpw, 4.5);  // the budget is used, not wasted
  std::map<std::string, int> widths;
  for (const auto& l : r.quantization.layers) ++widths[l.codec];
  EXPECT_GE(widths.size(), 2u) << "expected a mix of widths";
  // One more bit per weight than the uniform int4 model: every layer at
  // least as good, and a better weight SNR overall.
  convert::ConvertOptions plain;
  plain.codecs = {"int4"};
  const auto p = convert_with(plain, dir.file("int4.nbl"));
  EXPECT_GT(r.quantization.total().snr_db(), p.quantization.total().snr_db() + 1.0);
  for (size_t k = 0; k < r.quantization.layers.size(); ++k) {
    EXPECT_GE(r.quantization.layers[k].error.snr_db(), p.quantization.layers[k].error.snr_db() - 0.01)
        << r.quantization.layers[k].tensor;
  }

  options.target_bpw = 1.0;  // below the narrowest width
  EXPECT_THROW(convert_with(options, dir.file("x.nbl")), convert::Error);
}

TEST(Report, HtmlAndMetadataAreWritten) {
  TempDir dir;
  const auto r = run_command({kConvert, kModel, "-o", dir.file("q.nbl"), "--codec", "lut:4", "--calib", kCifar,
                              "--calib-samples", "8", "--report", dir.file("report.html")},
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("calibration samples: 8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer3.2.conv2"), std::string::npos) << r.out;
  const std::string html = read_bytes(dir.file("report.html"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "the report must not load external assets";
  const std::string bytes = read_bytes(dir.file("q.nbl"));
  EXPECT_NE(bytes.find("activation_ranges"), std::string::npos);
  EXPECT_NE(bytes.find("quantization_report"), std::string::npos);

  const auto usage = run_command({kConvert, kModel, "-o", dir.file("y.nbl"), "--report", dir.file("r.html")}, dir);
  EXPECT_EQ(usage.exit_code, 2);
  const auto bad = run_command({kConvert, kModel, "-o", dir.file("z.nbl"), "--codec", "lut:4", "--calib",
                                dir.file("missing.bin")},
                               dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("missing.bin"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace nibble::test
