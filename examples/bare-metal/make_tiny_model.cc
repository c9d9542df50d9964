// Host-side generator of the bare-metal demo's model: a tiny CNN written
// directly with the FlatBuffers builder (no converter, no ONNX), plus the
// input and the expected output, computed here in double precision by
// plain loops that share no code with the runtime's ops.
//
//   x[1,6,6,4] NHWC -> CONV2D 3x3 pad 1, 4 channels, ReLU -> MAX_POOL2D 2x2/2
//   -> GLOBAL_AVERAGE_POOL -> RESHAPE [1,4] -> LINEAR 4->3 -> SOFTMAX -> y[1,3]
//
// usage: make_tiny_model OUT_DIR   (writes tiny_model.nbl, tiny_model_expected.h)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "loader/file_layout.h"
#include "schema/nibble_generated.h"

namespace {

namespace fb = nibble::fb;

// 3*3*4 = 36 products per output: more than a freestanding build's
// 32-row weight chunk (runtime/ops/reference/conv2d.cc), so the chunked
// path runs on the target too.
constexpr int kH = 6, kW = 6, kC = 4;  // input
constexpr int kOc = 4;                 // conv channels
constexpr int kClasses = 3;

// Small, varied, exactly representable values (multiples of 1/64).
float pattern(int i, int mul, int mod, int shift) { return static_cast<float>((i * mul) % mod - shift) / 64.0f; }

struct Weights {
  std::vector<float> conv_w, conv_b, fc_w, fc_b;
};

Weights make_weights() {
  Weights w;
  for (int i = 0; i < kOc * 3 * 3 * kC; ++i) w.conv_w.push_back(pattern(i, 7, 23, 11));  // OHWI
  for (int o = 0; o < kOc; ++o) w.conv_b.push_back(pattern(o, 5, 9, 3));
  for (int i = 0; i < kClasses * kOc; ++i) w.fc_w.push_back(pattern(i, 11, 29, 14) * 4.0f);  // [out, in]
  for (int n = 0; n < kClasses; ++n) w.fc_b.push_back(pattern(n, 3, 7, 2));
  return w;
}

std::vector<float> make_input() {
  std::vector<float> x;
  for (int i = 0; i < kH * kW * kC; ++i) x.push_back(pattern(i, 5, 13, 5) * 2.0f);
  return x;
}

// The model's maths, independently, in double.
std::vector<double> expected_output(const Weights& w, const std::vector<float>& x) {
  double conv[kH][kW][kOc];
  for (int h = 0; h < kH; ++h)
    for (int v = 0; v < kW; ++v)
      for (int o = 0; o < kOc; ++o) {
        double s = w.conv_b[o];
        for (int kh = 0; kh < 3; ++kh)
          for (int kw = 0; kw < 3; ++kw)
            for (int c = 0; c < kC; ++c) {
              const int ih = h + kh - 1, iw = v + kw - 1;
              if (ih < 0 || ih >= kH || iw < 0 || iw >= kW) continue;
              s += static_cast<double>(x[(ih * kW + iw) * kC + c]) * w.conv_w[((o * 3 + kh) * 3 + kw) * kC + c];
            }
        conv[h][v][o] = std::max(s, 0.0);
      }
  double pooled[kOc] = {0};  // max-pool 2x2/2 to 3x3, then the mean of those 9
  for (int ph = 0; ph < kH / 2; ++ph)
    for (int pw = 0; pw < kW / 2; ++pw)
      for (int o = 0; o < kOc; ++o) {
        const double m = std::max(std::max(conv[2 * ph][2 * pw][o], conv[2 * ph][2 * pw + 1][o]),
                                  std::max(conv[2 * ph + 1][2 * pw][o], conv[2 * ph + 1][2 * pw + 1][o]));
        pooled[o] += m / ((kH / 2) * (kW / 2));
      }
  std::vector<double> logits(kClasses);
  for (int n = 0; n < kClasses; ++n) {
    logits[n] = w.fc_b[n];
    for (int o = 0; o < kOc; ++o) logits[n] += pooled[o] * w.fc_w[n * kOc + o];
  }
  const double top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (double& l : logits) sum += (l = std::exp(l - top));
  for (double& l : logits) l /= sum;
  return logits;
}

std::vector<uint8_t> build_image(const Weights& w) {
  flatbuffers::FlatBufferBuilder b;
  // Data region: one 64-aligned segment per constant, then a 64-byte tail
  // (as nibble-convert writes: SIMD kernels may read past a constant).
  std::vector<uint8_t> data;
  std::vector<flatbuffers::Offset<fb::Segment>> segments;
  auto add_segment = [&](const std::vector<float>& values) {
    data.resize(nibble::align_up(data.size(), nibble::kSegmentAlignment), 0);
    segments.push_back(fb::CreateSegment(b, data.size(), values.size() * sizeof(float)));
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(values.data());  // little-endian, as the target
    data.insert(data.end(), bytes, bytes + values.size() * sizeof(float));
    return static_cast<int32_t>(segments.size() - 1);
  };
  const int32_t s_conv_w = add_segment(w.conv_w), s_conv_b = add_segment(w.conv_b);
  const int32_t s_fc_w = add_segment(w.fc_w), s_fc_b = add_segment(w.fc_b);
  data.resize(nibble::align_up(data.size(), nibble::kSegmentAlignment) + nibble::kSegmentAlignment, 0);

  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  auto tensor = [&](const char* name, std::vector<int64_t> shape, int32_t segment = -1) {
    if (segment < 0) {
      tensors.push_back(fb::CreateTensorDirect(b, name, &shape, fb::ElementType::F32));
    } else {
      tensors.push_back(fb::CreateTensorDirect(b, name, &shape, fb::ElementType::F32, fb::Codec::RawCodec,
                                               fb::CreateRawCodec(b).Union(), segment));
    }
    return static_cast<int32_t>(tensors.size() - 1);
  };
  const int32_t x = tensor("x", {1, kH, kW, kC});
  const int32_t conv_w = tensor("conv.w", {kOc, 3, 3, kC}, s_conv_w), conv_b = tensor("conv.b", {kOc}, s_conv_b);
  const int32_t conv_y = tensor("conv.y", {1, kH, kW, kOc});
  const int32_t pool_y = tensor("pool.y", {1, kH / 2, kW / 2, kOc});
  const int32_t gap_y = tensor("gap.y", {1, 1, 1, kOc});
  const int32_t flat = tensor("flat", {1, kOc});
  const int32_t fc_w = tensor("fc.w", {kClasses, kOc}, s_fc_w), fc_b = tensor("fc.b", {kClasses}, s_fc_b);
  const int32_t logits = tensor("logits", {1, kClasses});
  const int32_t y = tensor("y", {1, kClasses});

  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  auto op = [&](fb::OpCode code, const char* name, std::vector<int32_t> ins, int32_t out, fb::OpOptions type,
                flatbuffers::Offset<void> options) {
    std::vector<int32_t> outs = {out};
    ops.push_back(fb::CreateOperatorDirect(b, code, name, &ins, &outs, type, options));
  };
  const float inf = INFINITY;
  op(fb::OpCode::CONV2D, "conv", {x, conv_w, conv_b}, conv_y, fb::OpOptions::Conv2dOptions,
     fb::CreateConv2dOptions(b, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, /*min=*/0.0f, inf).Union());
  op(fb::OpCode::MAX_POOL2D, "pool", {conv_y}, pool_y, fb::OpOptions::Pool2dOptions,
     fb::CreatePool2dOptions(b, 2, 2, 2, 2).Union());
  op(fb::OpCode::GLOBAL_AVERAGE_POOL, "gap", {pool_y}, gap_y, fb::OpOptions::GlobalPoolOptions,
     fb::CreateGlobalPoolOptions(b).Union());
  op(fb::OpCode::RESHAPE, "flatten", {gap_y}, flat, fb::OpOptions::ReshapeOptions, fb::CreateReshapeOptions(b).Union());
  op(fb::OpCode::LINEAR, "fc", {flat, fc_w, fc_b}, logits, fb::OpOptions::LinearOptions,
     fb::CreateLinearOptions(b).Union());
  op(fb::OpCode::SOFTMAX, "softmax", {logits}, y, fb::OpOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(b, 1).Union());

  // No memory plan: the runtime plans the arena itself at load time.
  std::vector<int32_t> inputs = {x}, outputs = {y};
  auto metadata = fb::CreateMetadataDirect(b, "make_tiny_model", "1", "examples/bare-metal", "", "");
  auto model = fb::CreateModelDirect(b, nibble::kFormatVersion, &tensors, &segments, data.size(), &ops, &inputs,
                                     &outputs, /*plan=*/0, metadata);
  b.FinishSizePrefixed(model, fb::ModelIdentifier());

  std::vector<uint8_t> image(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  image.resize(nibble::data_region_offset(static_cast<uint32_t>(b.GetSize() - nibble::kSizePrefixBytes)), 0);
  image.insert(image.end(), data.begin(), data.end());
  return image;
}

bool write_file(const std::string& path, const void* bytes, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const Weights w = make_weights();
  const std::vector<float> x = make_input();
  const std::vector<uint8_t> image = build_image(w);
  const std::vector<double> y = expected_output(w, x);

  std::string h = "// Generated by make_tiny_model; do not edit. Input and expected output of tiny_model.nbl.\n"
                  "#pragma once\n\n";
  char line[96];
  h += "static const float kTinyModelInput[" + std::to_string(x.size()) + "] = {\n";
  for (size_t i = 0; i < x.size(); ++i) {
    std::snprintf(line, sizeof(line), "%s%.9ef,%s", i % 8 == 0 ? "    " : " ", x[i], i % 8 == 7 ? "\n" : "");
    h += line;
  }
  h += "};\n\n// Softmax probabilities, computed in double.\n";
  h += "static const float kTinyModelExpected[" + std::to_string(y.size()) + "] = {";
  for (size_t i = 0; i < y.size(); ++i) {
    std::snprintf(line, sizeof(line), "%s%.9ef", i == 0 ? "" : ", ", y[i]);
    h += line;
  }
  h += "};\n";
  if (!write_file(dir + "/tiny_model.nbl", image.data(), image.size()) ||
      !write_file(dir + "/tiny_model_expected.h", h.data(), h.size())) {
    std::fprintf(stderr, "make_tiny_model: cannot write to %s\n", dir.c_str());
    return 1;
  }
  std::printf("make_tiny_model: %zu-byte model, expected output %.6f %.6f %.6f\n", image.size(), y[0], y[1], y[2]);
  return 0;
}
