// Lowering details: Gemm/MatMul forms, activation fusion rules, dead code,
// shape sub-graphs folding, ceil_mode padding.
#include <cmath>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "tests/converter/nbl_eval.h"
#include "tests/converter/onnx_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

struct Result {
  convert::ConvertReport report;
  std::string bytes;
  const fb::Model* model;
};

Result convert_model(const OnnxBuilder& b, TempDir& dir) {
  b.save(dir.file("m.onnx"));
  Result r;
  r.report = convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {});
  r.bytes = read_bytes(dir.file("m.nbl"));
  r.model = verified_model(r.bytes);
  return r;
}

const fb::Operator* first_op(const fb::Model* m, fb::OpCode code) {
  for (const fb::Operator* op : *m->operators()) {
    if (op->opcode() == code) return op;
  }
  return nullptr;
}

TEST(Lowering, GemmVectorBiasAndRelu6AreOneLinear) {
  TempDir dir;
  OnnxBuilder b;
  b.input("a", {2, 4}).output("y", {2, 3});
  b.initializer("w", {4, 3}, random_floats(12, 1)).initializer("c", {3}, {0.5f, -0.5f, 7.0f});
  b.node("Gemm", {"a", "w", "c"}, {"g"}, "gemm");
  b.initializer("lo", {}, {0.0f}).initializer("hi", {}, {6.0f});
  b.node("Clip", {"g", "lo", "hi"}, {"y"}, "relu6");
  const Result r = convert_model(b, dir);
  ASSERT_EQ(r.model->operators()->size(), 1u);
  const fb::Operator* lin = first_op(r.model, fb::OpCode::LINEAR);
  ASSERT_NE(lin, nullptr);
  EXPECT_EQ(lin->inputs()->size(), 3u);
  EXPECT_EQ(lin->options_as_LinearOptions()->output_min(), 0.0f);
  EXPECT_EQ(lin->options_as_LinearOptions()->output_max(), 6.0f);
  EXPECT_EQ(r.report.fused_activations, 1);
}

TEST(Lowering, GemmMatrixBiasIsLinearPlusBinary) {
  TempDir dir;
  OnnxBuilder b;
  b.input("a", {2, 4}).output("y", {2, 3});
  b.initializer("w", {3, 4}, random_floats(12, 1)).initializer("c", {2, 3}, random_floats(6, 2));
  auto& g = b.node("Gemm", {"a", "w", "c"}, {"y"}, "gemm");
  OnnxBuilder::attr(g, "transB", int64_t{1});
  OnnxBuilder::attr(g, "beta", 0.5f);
  const Result r = convert_model(b, dir);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::LINEAR), 1);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::BINARY), 1);
  const EvalTensor a{{2, 4}, random_floats(8, 3)};
  const auto y = eval_nbl(r.bytes, {a});
  const auto w = random_floats(12, 1), c = random_floats(6, 2);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      double acc = 0.5 * c[i * 3 + j];
      for (int k = 0; k < 4; ++k) acc += a.data[i * 4 + k] * w[j * 4 + k];
      EXPECT_NEAR(y[0].data[i * 3 + j], acc, 1e-5);
    }
}

TEST(Lowering, MatMulOfRank3IsReshapeLinearReshape) {
  TempDir dir;
  OnnxBuilder b;
  b.input("a", {2, 3, 4}).output("y", {2, 3, 5});
  b.initializer("w", {4, 5}, random_floats(20, 6));
  b.node("MatMul", {"a", "w"}, {"y"}, "matmul");
  const Result r = convert_model(b, dir);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::LINEAR), 1);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::RESHAPE), 2);
  const EvalTensor a{{2, 3, 4}, random_floats(24, 7)};
  const auto y = eval_nbl(r.bytes, {a});
  const auto w = random_floats(20, 6);
  ASSERT_EQ(y[0].shape, (std::vector<int64_t>{2, 3, 5}));
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) {
      double acc = 0;
      for (int k = 0; k < 4; ++k) acc += a.data[i * 4 + k] * w[k * 5 + j];
      EXPECT_NEAR(y[0].data[i * 5 + j], acc, 1e-5);
    }
}

TEST(Lowering, ReluIsNotFusedIntoAnOpWhoseOutputIsAlsoAGraphOutput) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2, 3, 3}).output("c").output("y");
  b.initializer("w", {2, 2, 1, 1}, random_floats(4, 2));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"y"}, "relu");
  const Result r = convert_model(b, dir);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::CLAMP), 1);
  EXPECT_EQ(r.report.fused_activations, 0);
}

TEST(Lowering, ReluIsNotFusedWhenItsInputHasAnotherReader) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.initializer("w", {4, 4}, random_floats(16, 2));
  b.node("MatMul", {"x", "w"}, {"m"}, "matmul");
  b.node("Relu", {"m"}, {"r"}, "relu");
  b.node("Add", {"m", "r"}, {"y"}, "add");
  const Result r = convert_model(b, dir);
  EXPECT_EQ(count_ops(r.model, fb::OpCode::CLAMP), 1);
}

TEST(Lowering, DeadBranchesAndShapeSubgraphsDisappear) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {2, 3, 4}).output("y", {2, 12});
  // Old-style dynamic flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  b.node("Shape", {"x"}, {"s"}, "shape");
  b.initializer_i64("zero", {}, {0});
  auto& gather = b.node("Gather", {"s", "zero"}, {"n"}, "gather");
  OnnxBuilder::attr(gather, "axis", int64_t{0});
  b.initializer_i64("axes", {1}, {0});
  b.node("Unsqueeze", {"n", "axes"}, {"n1"}, "unsqueeze");
  b.initializer_i64("minus1", {1}, {-1});
  auto& cat = b.node("Concat", {"n1", "minus1"}, {"target"}, "concat");
  OnnxBuilder::attr(cat, "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"y"}, "reshape");
  b.node("Relu", {"x"}, {"unused"}, "dead_relu");
  const Result r = convert_model(b, dir);
  ASSERT_EQ(r.model->operators()->size(), 1u);
  EXPECT_EQ(r.model->operators()->Get(0)->opcode(), fb::OpCode::RESHAPE);
  EXPECT_EQ(r.report.folded_nodes, 4);
  const fb::Tensor* y = r.model->tensors()->Get(r.model->outputs()->Get(0));
  EXPECT_EQ(std::vector<int64_t>(y->shape()->begin(), y->shape()->end()), (std::vector<int64_t>{2, 12}));
}

TEST(Lowering, MaxPoolCeilModeAddsBottomRightPadding) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y", {1, 1, 2, 2});
  auto& p = b.node("MaxPool", {"x"}, {"y"}, "pool");
  OnnxBuilder::attr(p, "kernel_shape", std::vector<int64_t>{3, 3});
  OnnxBuilder::attr(p, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(p, "ceil_mode", int64_t{1});
  const Result r = convert_model(b, dir);
  const fb::Operator* pool = first_op(r.model, fb::OpCode::MAX_POOL2D);
  ASSERT_NE(pool, nullptr);
  const auto* o = pool->options_as_Pool2dOptions();
  EXPECT_EQ(o->pad_top(), 0);
  EXPECT_EQ(o->pad_bottom(), 1);
  EXPECT_EQ(o->pad_right(), 1);
}

TEST(Lowering, ConvAutoPadAndGroups) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4, 5, 5}).output("y", {1, 4, 3, 3});
  b.initializer("w", {4, 2, 3, 3}, random_floats(72, 3));
  auto& c = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  OnnxBuilder::attr(c, "group", int64_t{2});
  OnnxBuilder::attr(c, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(c, "auto_pad", std::string("SAME_LOWER"));
  const Result r = convert_model(b, dir);
  const fb::Operator* conv = first_op(r.model, fb::OpCode::CONV2D);
  ASSERT_NE(conv, nullptr);
  const auto* o = conv->options_as_Conv2dOptions();
  EXPECT_EQ(o->groups(), 2);
  // out 3, total pad (3-1)*2+3-5 = 2: SAME_LOWER puts the odd one first.
  EXPECT_EQ(o->pad_top() + o->pad_bottom(), 2);
  EXPECT_EQ(o->pad_top(), 1);
  const fb::Tensor* w = r.model->tensors()->Get(conv->inputs()->Get(1));
  EXPECT_EQ(std::vector<int64_t>(w->shape()->begin(), w->shape()->end()), (std::vector<int64_t>{4, 3, 3, 2}));
}

TEST(Lowering, InputShapeOverrideOfAStaticModel) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 3});
  b.initializer("w", {4, 3}, random_floats(12, 1));
  b.node("MatMul", {"x", "w"}, {"y"}, "matmul");
  b.save(dir.file("m.onnx"));
  convert::ConvertOptions options;
  options.input_shapes["x"] = {5, 4};
  const auto report = convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), options);
  EXPECT_EQ(report.outputs, std::vector<std::string>{"y [5,3]"});
}

}  // namespace
}  // namespace nibble::test
