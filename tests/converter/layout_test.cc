// NHWC layout: a layout-sensitive op placed after an identity 1x1 Conv
// (so its input is NHWC in memory) must give exactly what the same op
// gives on the graph input directly (NCHW, no layout change), and the
// converter must keep or drop the expected transposes.
#include <functional>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "tests/converter/nbl_eval.h"
#include "tests/converter/onnx_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

using Body = std::function<void(OnnxBuilder&, const std::string& in)>;
const std::vector<int64_t> kShape = {2, 3, 4, 5};

std::vector<float> identity_weights(int64_t c) {
  std::vector<float> w(c * c, 0.0f);
  for (int64_t i = 0; i < c; ++i) w[i * c + i] = 1.0f;
  return w;
}

struct Converted {
  std::string bytes;
  std::vector<EvalTensor> outputs;
};

// x -> [identity conv ->] body -> y
Converted convert_and_run(const Body& body, bool through_conv, int opset = 13) {
  TempDir dir;
  OnnxBuilder b(opset);
  b.input("x", kShape).output("y");
  std::string in = "x";
  if (through_conv) {
    b.initializer("eye", {kShape[1], kShape[1], 1, 1}, identity_weights(kShape[1]));
    b.node("Conv", {"x", "eye"}, {"c"}, "identity_conv");
    in = "c";
  }
  body(b, in);
  b.save(dir.file("m.onnx"));
  convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {});
  Converted c;
  c.bytes = read_bytes(dir.file("m.nbl"));
  verified_model(c.bytes);
  c.outputs = eval_nbl(c.bytes, {EvalTensor{kShape, random_floats(120, 5)}});
  return c;
}

void expect_same(const Body& body, int opset = 13) {
  const Converted plain = convert_and_run(body, false, opset);
  const Converted nhwc = convert_and_run(body, true, opset);
  ASSERT_EQ(plain.outputs.size(), nhwc.outputs.size());
  for (size_t k = 0; k < plain.outputs.size(); ++k) {
    ASSERT_EQ(plain.outputs[k].shape, nhwc.outputs[k].shape);
    for (size_t i = 0; i < plain.outputs[k].data.size(); ++i) {
      ASSERT_NEAR(plain.outputs[k].data[i], nhwc.outputs[k].data[i], 1e-5) << "output " << k << " element " << i;
    }
  }
}

Body unary(const std::string& op, std::function<void(onnx::NodeProto&)> attrs = {}) {
  return [=](OnnxBuilder& b, const std::string& in) {
    auto& n = b.node(op, {in}, {"y"}, "op");
    if (attrs) attrs(n);
  };
}

TEST(Layout, Softmax) {
  for (int64_t axis : {1, 2, 3, -1}) {
    SCOPED_TRACE(axis);
    expect_same(unary("Softmax", [=](onnx::NodeProto& n) { OnnxBuilder::attr(n, "axis", axis); }));
  }
}

TEST(Layout, SoftmaxOpset11LastAxis) {
  expect_same(unary("Softmax", [](onnx::NodeProto& n) { OnnxBuilder::attr(n, "axis", int64_t{3}); }), 11);
}

TEST(Layout, ConcatWithItselfAndAConstant) {
  for (int64_t axis : {0, 1, 2, 3, -1}) {
    SCOPED_TRACE(axis);
    expect_same([=](OnnxBuilder& b, const std::string& in) {
      auto& n = b.node("Concat", {in, in}, {"y"}, "cat");
      OnnxBuilder::attr(n, "axis", axis);
    });
  }
  expect_same([](OnnxBuilder& b, const std::string& in) {
    b.initializer("k", {2, 2, 4, 5}, random_floats(80, 9));
    auto& n = b.node("Concat", {in, "k"}, {"y"}, "cat");
    OnnxBuilder::attr(n, "axis", int64_t{1});
  });
}

TEST(Layout, Slice) {
  const std::vector<std::vector<int64_t>> cases = {
      // starts, ends, axes, steps
      {0, 3, 1, 2}, {1, 4, 2, 1}, {4, 0, 3, -2}, {-1, -100, 1, -1}, {1, 100, 3, 3}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c[2]);
    expect_same([=](OnnxBuilder& b, const std::string& in) {
      b.initializer_i64("s", {1}, {c[0]}).initializer_i64("e", {1}, {c[1]});
      b.initializer_i64("a", {1}, {c[2]}).initializer_i64("st", {1}, {c[3]});
      b.node("Slice", {in, "s", "e", "a", "st"}, {"y"}, "slice");
    });
  }
}

TEST(Layout, PadModes) {
  for (const char* mode : {"constant", "reflect", "edge"}) {
    SCOPED_TRACE(mode);
    expect_same([=](OnnxBuilder& b, const std::string& in) {
      b.initializer_i64("pads", {8}, {0, 1, 2, 3, 0, 2, 1, 0});
      b.initializer("v", {}, {2.5f});
      auto& n = b.node("Pad", {in, "pads", std::string(mode) == "constant" ? "v" : ""}, {"y"}, "pad");
      OnnxBuilder::attr(n, "mode", std::string(mode));
    });
  }
}

TEST(Layout, BroadcastConstants) {
  const std::vector<std::vector<int64_t>> shapes = {{3, 1, 1}, {5}, {1, 3, 1, 1}, {4, 5}, {}, {1, 1, 4, 1}, {2, 3, 4, 5}};
  for (const auto& s : shapes) {
    for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
      SCOPED_TRACE(std::string(op) + " " + std::to_string(s.size()));
      expect_same([=](OnnxBuilder& b, const std::string& in) {
        int64_t n = 1;
        for (int64_t d : s) n *= d;
        std::vector<float> v = random_floats(n, 21);
        for (float& f : v) f += 2.0f;  // no division by ~0
        b.initializer("k", s, v);
        b.node(op, {"k", in}, {"y"}, "bin");
      });
    }
  }
}

TEST(Layout, BinaryWithTheGraphInput) {
  expect_same([](OnnxBuilder& b, const std::string& in) { b.node("Sub", {in, "x"}, {"y"}, "sub"); });
}

TEST(Layout, ReshapeFlattenTransposeGemm) {
  expect_same([](OnnxBuilder& b, const std::string& in) {
    b.initializer_i64("shape", {3}, {2, 3, 20});
    b.node("Reshape", {in, "shape"}, {"y"}, "reshape");
  });
  expect_same(unary("Flatten"));
  expect_same(unary("Transpose", [](onnx::NodeProto& n) { OnnxBuilder::attr(n, "perm", std::vector<int64_t>{0, 2, 3, 1}); }));
  expect_same(unary("Transpose", [](onnx::NodeProto& n) { OnnxBuilder::attr(n, "perm", std::vector<int64_t>{3, 1, 0, 2}); }));
  expect_same([](OnnxBuilder& b, const std::string& in) {
    b.node("Flatten", {in}, {"f"}, "flatten");
    b.initializer("w", {7, 60}, random_floats(420, 4)).initializer("bias", {7}, random_floats(7, 8));
    auto& g = b.node("Gemm", {"f", "w", "bias"}, {"y"}, "gemm");
    OnnxBuilder::attr(g, "transB", int64_t{1});
  });
}

TEST(Layout, PoolsAndClip) {
  expect_same(unary("MaxPool", [](onnx::NodeProto& n) {
    OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(n, "strides", std::vector<int64_t>{2, 2});
    OnnxBuilder::attr(n, "ceil_mode", int64_t{1});
  }));
  expect_same(unary("AveragePool", [](onnx::NodeProto& n) {
    OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{3, 2});
    OnnxBuilder::attr(n, "pads", std::vector<int64_t>{1, 0, 1, 1});
    OnnxBuilder::attr(n, "count_include_pad", int64_t{1});
  }));
  expect_same(unary("GlobalAveragePool"));
  expect_same([](OnnxBuilder& b, const std::string& in) {
    b.initializer("lo", {}, {-0.25f}).initializer("hi", {}, {0.5f});
    b.node("Clip", {in, "lo", "hi"}, {"y"}, "clip");
  });
}

TEST(Layout, TransposesAroundSpatialOps) {
  // x -> conv -> y: one transpose in, one out, with the graph's names.
  const Converted c = convert_and_run([](OnnxBuilder& b, const std::string& in) { b.node("Relu", {in}, {"y"}, "relu"); },
                                      true);
  const fb::Model* m = verified_model(c.bytes);
  EXPECT_EQ(count_ops(m, fb::OpCode::TRANSPOSE), 2);
  EXPECT_EQ(count_ops(m, fb::OpCode::CONV2D), 1);
  EXPECT_EQ(count_ops(m, fb::OpCode::CLAMP), 0);  // fused into the conv
  EXPECT_EQ(m->tensors()->Get(m->inputs()->Get(0))->name()->str(), "x");
  const fb::Tensor* y = m->tensors()->Get(m->outputs()->Get(0));
  EXPECT_EQ(y->name()->str(), "y");
  EXPECT_EQ(std::vector<int64_t>(y->shape()->begin(), y->shape()->end()), kShape);
  // GlobalAveragePool's [N,1,1,C] -> [N,C,1,1] is a reshape, not a transpose.
  const Converted g = convert_and_run(unary("GlobalAveragePool"), true);
  const fb::Model* gm = verified_model(g.bytes);
  EXPECT_EQ(count_ops(gm, fb::OpCode::TRANSPOSE), 1);
  EXPECT_EQ(count_ops(gm, fb::OpCode::RESHAPE), 1);
}

}  // namespace
}  // namespace nibble::test
