// BatchNormalization folding: into a preceding Conv (weights and bias
// checked against hand-computed values) or, standalone, as Mul + Add.
#include <cmath>
#include <cstring>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "loader/file_layout.h"
#include "tests/converter/nbl_eval.h"
#include "tests/converter/onnx_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

std::vector<float> segment(const std::string& bytes, const fb::Model* m, int32_t tensor) {
  const fb::Tensor* t = m->tensors()->Get(tensor);
  EXPECT_GE(t->segment(), 0);
  const fb::Segment* s = m->segments()->Get(t->segment());
  uint32_t prefix = 0;
  std::memcpy(&prefix, bytes.data(), 4);
  std::vector<float> v(s->size() / 4);
  std::memcpy(v.data(), bytes.data() + data_region_offset(prefix) + s->offset(), s->size());
  return v;
}

struct BnParams {
  std::vector<float> scale = {1.5f, 0.5f, -2.0f};
  std::vector<float> bias = {0.1f, -0.2f, 0.3f};
  std::vector<float> mean = {0.5f, -1.0f, 2.0f};
  std::vector<float> var = {0.25f, 4.0f, 1.0f};
  float eps = 1e-3f;
};

void add_bn(OnnxBuilder& b, const BnParams& p, const std::string& x, const std::string& y) {
  b.initializer("bn.scale", {3}, p.scale).initializer("bn.bias", {3}, p.bias);
  b.initializer("bn.mean", {3}, p.mean).initializer("bn.var", {3}, p.var);
  auto& n = b.node("BatchNormalization", {x, "bn.scale", "bn.bias", "bn.mean", "bn.var"}, {y}, "bn");
  OnnxBuilder::attr(n, "epsilon", p.eps);
}

TEST(BatchNormFolding, ConvPlusBatchNormIsOneConvWithFoldedWeights) {
  for (bool with_bias : {true, false}) {
    SCOPED_TRACE(with_bias ? "conv with bias" : "conv without bias");
    TempDir dir;
    const BnParams p;
    const std::vector<float> w = random_floats(3 * 2 * 2 * 2, 7);  // OIHW [3,2,2,2]
    const std::vector<float> conv_bias = {0.25f, -0.5f, 1.0f};
    OnnxBuilder b;
    b.input("x", {1, 2, 4, 4}).output("y", {1, 3, 3, 3});
    b.initializer("conv.w", {3, 2, 2, 2}, w);
    if (with_bias) b.initializer("conv.b", {3}, conv_bias);
    b.node("Conv", {"x", "conv.w", with_bias ? "conv.b" : ""}, {"t"}, "conv");
    if (!with_bias) b.model.mutable_graph()->mutable_node(0)->mutable_input()->RemoveLast();
    add_bn(b, p, "t", "y");
    b.save(dir.file("m.onnx"));
    const auto report = convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {});
    EXPECT_EQ(report.batchnorms_folded, 1);

    const std::string bytes = read_bytes(dir.file("m.nbl"));
    const fb::Model* m = verified_model(bytes);
    ASSERT_EQ(count_ops(m, fb::OpCode::CONV2D), 1);
    EXPECT_EQ(count_ops(m, fb::OpCode::BINARY), 0);
    const fb::Operator* conv = nullptr;
    for (const fb::Operator* op : *m->operators()) {
      if (op->opcode() == fb::OpCode::CONV2D) conv = op;
    }
    ASSERT_EQ(conv->inputs()->size(), 3u);
    const std::vector<float> w2 = segment(bytes, m, conv->inputs()->Get(1));  // OHWI [3,2,2,2]
    const std::vector<float> b2 = segment(bytes, m, conv->inputs()->Get(2));
    ASSERT_EQ(w2.size(), w.size());
    ASSERT_EQ(b2.size(), 3u);
    for (int o = 0; o < 3; ++o) {
      const double s = p.scale[o] / std::sqrt(static_cast<double>(p.var[o]) + p.eps);
      const double expected_bias = ((with_bias ? conv_bias[o] : 0.0) - p.mean[o]) * s + p.bias[o];
      EXPECT_NEAR(b2[o], expected_bias, 1e-6 * std::max(1.0, std::fabs(expected_bias)));
      for (int i = 0; i < 2; ++i)
        for (int h = 0; h < 2; ++h)
          for (int x = 0; x < 2; ++x) {
            const double expected = w[((o * 2 + i) * 2 + h) * 2 + x] * s;
            EXPECT_NEAR(w2[((o * 2 + h) * 2 + x) * 2 + i], expected, 1e-6 * std::max(1.0, std::fabs(expected)));
          }
    }
  }
}

TEST(BatchNormFolding, ConvOutputReadTwiceIsNotFolded) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y").output("t");
  b.initializer("conv.w", {3, 2, 1, 1}, random_floats(6, 3));
  b.node("Conv", {"x", "conv.w"}, {"t"}, "conv");
  add_bn(b, BnParams(), "t", "y");
  b.save(dir.file("m.onnx"));
  const auto report = convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {});
  EXPECT_EQ(report.batchnorms_folded, 0);
  EXPECT_EQ(report.batchnorms_lowered, 1);
}

TEST(BatchNormFolding, StandaloneBatchNormIsMulAddWithTheSameResult) {
  TempDir dir;
  const BnParams p;
  OnnxBuilder b;
  b.input("x", {2, 3, 2, 2}).output("y", {2, 3, 2, 2});
  add_bn(b, p, "x", "y");
  b.save(dir.file("m.onnx"));
  const auto report = convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {});
  EXPECT_EQ(report.batchnorms_lowered, 1);
  const std::string bytes = read_bytes(dir.file("m.nbl"));
  const fb::Model* m = verified_model(bytes);
  EXPECT_EQ(count_ops(m, fb::OpCode::BINARY), 2);
  EXPECT_EQ(m->operators()->size(), 2u);

  EvalTensor x{{2, 3, 2, 2}, random_floats(24, 11)};
  const auto y = eval_nbl(bytes, {x});
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].shape, x.shape);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 4; ++k) {
        const int idx = (n * 3 + c) * 4 + k;
        const double expected = (x.data[idx] - p.mean[c]) / std::sqrt(p.var[c] + p.eps) * p.scale[c] + p.bias[c];
        EXPECT_NEAR(y[0].data[idx], expected, 1e-5);
      }
}

}  // namespace
}  // namespace nibble::test
