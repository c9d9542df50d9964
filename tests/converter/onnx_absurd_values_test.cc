// Hostile numbers in a well-formed ONNX graph: zero/negative/huge strides,
// dilations, kernels, pads and groups (libonnx 1.12's shape inference
// divides by a zero stride: SIGFPE, before this was checked), and shapes
// that would make the converter allocate without bound or overflow (Pad,
// ConstantOfShape, Expand, graph inputs past 2^31 elements), integer
// constants whose folding overflows (INT64_MIN / -1 raised SIGFPE, before
// this was checked), a Gemm C that does not broadcast, a graph without
// outputs. Each is an Error naming the node or tensor, with no output left.
#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"
#include "tests/converter/conversion_failure.h"
#include "tests/converter/onnx_builder.h"

namespace nibble::test {
namespace {

constexpr int64_t kHuge = int64_t{1} << 40;

// Saved as built: OnnxBuilder::save runs ONNX shape inference, which is
// what crashes on some of these. Outputs get dynamic 2-D shapes, so no
// recorded shape hides the converter's own checks.
void save_unchecked(OnnxBuilder& b, const TempDir& dir) {
  for (auto& o : *b.model.mutable_graph()->mutable_output()) {
    auto* tt = o.mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->clear_shape();
    tt->mutable_shape()->add_dim()->set_dim_param("A");
    tt->mutable_shape()->add_dim()->set_dim_param("B");
  }
  std::string bytes;
  ASSERT_TRUE(b.model.SerializeToString(&bytes));
  write_bytes(dir.file("m.onnx"), bytes);
}

TEST(OnnxAbsurdValues, ConvWindowAttributes) {
  struct Case {
    const char* attr;
    std::vector<int64_t> value;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"strides", {0, 0}, "strides value 0 is outside 1..16777216"},
      {"strides", {-1, 1}, "strides value -1 is outside 1..16777216"},
      {"strides", {kHuge, 1}, "strides value 1099511627776 is outside 1..16777216"},
      {"dilations", {0, 1}, "dilations value 0 is outside 1..16777216"},
      {"dilations", {1, kHuge}, "dilations value 1099511627776 is outside"},
      {"pads", {-5, 0, 0, 0}, "pads value -5 is outside 0..16777216"},
      {"pads", {0, 0, int64_t{1} << 62, 0}, "pads value 4611686018427387904 is outside 0..16777216"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 2, 6, 6}).output("y");
    b.initializer("w", {4, 2, 3, 3}, random_floats(72, 1));
    OnnxBuilder::attr(b.node("Conv", {"x", "w"}, {"y"}, "conv"), c.attr, c.value);
    save_unchecked(b, dir);
    EXPECT_CONTAINS(expect_onnx_failure(dir), std::string("node 'conv' (Conv): ") + c.message);
  }
  for (int64_t group : {int64_t{0}, int64_t{-2}, kHuge}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 2, 6, 6}).output("y");
    b.initializer("w", {4, 2, 3, 3}, random_floats(72, 1));
    OnnxBuilder::attr(b.node("Conv", {"x", "w"}, {"y"}, "conv"), "group", group);
    save_unchecked(b, dir);
    EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'conv' (Conv): group " + std::to_string(group) + " is outside 1..");
  }
}

TEST(OnnxAbsurdValues, PoolKernelShapes) {
  for (const char* op : {"MaxPool", "AveragePool"}) {
    for (int64_t k : {int64_t{0}, int64_t{-1}, kHuge}) {
      TempDir dir;
      OnnxBuilder b;
      b.input("x", {1, 2, 6, 6}).output("y");
      OnnxBuilder::attr(b.node(op, {"x"}, {"y"}, "pool"), "kernel_shape", std::vector<int64_t>{k, 2});
      save_unchecked(b, dir);
      EXPECT_CONTAINS(expect_onnx_failure(dir),
                      "node 'pool' (" + std::string(op) + "): kernel_shape value " + std::to_string(k) + " is outside 1..");
    }
  }
}

TEST(OnnxAbsurdValues, PadToAHugeShape) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2}).output("y");
  b.initializer_i64("p", {4}, {0, 0, 0, kHuge});
  b.node("Pad", {"x", "p"}, {"y"}, "pad");
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'pad' (Pad, opset 13): shape [1,1099511627778] has 1099511627778 "
                                            "elements, more than the converter's limit of 2^31");
}

TEST(OnnxAbsurdValues, FoldedConstantsOfHugeOrOverflowingShapes) {
  // ConstantOfShape and Expand allocate what their shape input says.
  struct Case {
    const char* op;
    std::vector<int64_t> shape;
    const char* message;
  };
  for (const Case& c : {Case{"ConstantOfShape", {kHuge, 2}, "shape [1099511627776,2] has 2199023255552 elements"},
                        Case{"ConstantOfShape", {int64_t{1} << 32, int64_t{1} << 32}, "overflows a 64-bit element count"},
                        Case{"Expand", {kHuge, 2}, "shape [1099511627776,2] has 2199023255552 elements"}}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 1}).output("y");  // broadcasts with any 2-D shape
    b.initializer_i64("s", {2}, c.shape);
    if (std::string(c.op) == "Expand") {
      b.initializer("one", {1}, {1.0f});
      b.node("Expand", {"one", "s"}, {"c"}, "big");
    } else {
      b.node("ConstantOfShape", {"s"}, {"c"}, "big");
    }
    b.node("Add", {"x", "c"}, {"y"}, "add");
    save_unchecked(b, dir);
    const std::string msg = expect_onnx_failure(dir);
    EXPECT_CONTAINS(msg, "node 'big' (" + std::string(c.op) + ", opset 13): ");
    EXPECT_CONTAINS(msg, c.message);
  }
}

TEST(OnnxAbsurdValues, GraphInputPastTheElementLimit) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, kHuge}).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "graph input 'x' has shape [1,1099511627776], more than the converter's "
                                            "limit of 2^31 elements");
}

TEST(OnnxAbsurdValues, PadsOverflowingTheOutputDimension) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2}).output("y");
  const int64_t h = int64_t{1} << 62;
  b.initializer_i64("p", {4}, {0, h, 0, h});  // 2 + 2^62 + 2^62 wraps int64
  b.node("Pad", {"x", "p"}, {"y"}, "pad");
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'pad' (Pad, opset 13): pads overflow the output dimension");
}

// Folds OP(a, q) into the shape of a Reshape of x [1,4].
void save_folded_int_op(const TempDir& dir, const char* op, int64_t a, int64_t q) {
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.initializer_i64("a", {2}, {a, 4}).initializer_i64("q", {2}, {q, 1});
  b.node(op, {"a", "q"}, {"s"}, "fold");
  b.node("Reshape", {"x", "s"}, {"y"}, "reshape");
  save_unchecked(b, dir);
}

TEST(OnnxAbsurdValues, IntegerFoldingOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min(), kMax = std::numeric_limits<int64_t>::max();
  struct Case {
    const char* op;
    int64_t a, q;
    std::string message;
  };
  for (const Case& c : {Case{"Div", kMin, -1, "int64 overflow folding -9223372036854775808 Div -1"},
                        Case{"Div", 7, 0, "integer division by zero"},
                        Case{"Mul", int64_t{1} << 62, 4, "int64 overflow folding 4611686018427387904 Mul 4"},
                        Case{"Add", kMax - 1, 2, "int64 overflow folding"},
                        Case{"Sub", kMin + 2, 3, "int64 overflow folding"}}) {
    TempDir dir;
    save_folded_int_op(dir, c.op, c.a, c.q);
    EXPECT_CONTAINS(expect_onnx_failure(dir), std::string("node 'fold' (") + c.op + ", opset 13): " + c.message);
  }
}

TEST(OnnxAbsurdValues, RangeOfHugeOrNanCount) {
  for (float limit : {1e30f, std::nanf("")}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 1}).output("y");  // broadcasts with the range
    b.initializer("start", {}, {0.0f}).initializer("limit", {}, {limit}).initializer("delta", {}, {1.0f});
    b.node("Range", {"start", "limit", "delta"}, {"r"}, "range");
    b.node("Add", {"x", "r"}, {"y"}, "add");
    save_unchecked(b, dir);
    EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'range' (Range, opset 13): the range is too large to fold (or not finite)");
  }
}

TEST(OnnxAbsurdValues, CastOfOutOfRangeFloatsSaturates) {
  // 1e30 -> int64 was an undefined conversion; it saturates, and the
  // Reshape then refuses the shape.
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.initializer("a", {2}, {1e30f, 4.0f});
  OnnxBuilder::attr(b.node("Cast", {"a"}, {"s"}, "cast"), "to", int64_t{onnx::TensorProto::INT64});
  b.node("Reshape", {"x", "s"}, {"y"}, "reshape");
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'reshape' (Reshape, opset 13): cannot reshape [1,4] to "
                                            "[9223372036854775807,4] (the count overflows int64)");
}

TEST(OnnxAbsurdValues, GemmBiasNotBroadcasting) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {2, 4}).output("y");
  b.initializer("w", {3, 4}, random_floats(12, 1)).initializer("c", {5}, random_floats(5, 2));
  OnnxBuilder::attr(b.node("Gemm", {"x", "w", "c"}, {"y"}, "gemm"), "transB", int64_t{1});
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'gemm' (Gemm, opset 13): C of shape [5] does not broadcast to [2,3]");
}

TEST(OnnxAbsurdValues, GraphWithoutOutputs) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4});
  b.node("Relu", {"x"}, {"y"}, "relu");
  save_unchecked(b, dir);
  EXPECT_CONTAINS(expect_onnx_failure(dir), "the graph has no outputs");
}

}  // namespace
}  // namespace nibble::test
