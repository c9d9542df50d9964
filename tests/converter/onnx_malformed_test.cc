// Malformed ONNX files: each is a one-line Error naming the file and the
// tensor or node at fault, and leaves a previous output untouched and no
// temporary behind (conversion_failure.h). Not-protobuf, checker and
// unsupported-op cases are in errors_test.cc.
#include <cstring>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/converter/conversion_failure.h"
#include "tests/converter/onnx_builder.h"

namespace nibble::test {
namespace {

std::string fixture_model() { return read_bytes(std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10.onnx"); }

// x [1,4] -> MatMul(x, w [4,3]) -> y: the smallest model with a weight.
OnnxBuilder matmul_model() {
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 3});  // explicit: inference fails on some of the broken variants
  b.initializer("w", {4, 3}, random_floats(12, 3));
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  return b;
}

onnx::TensorProto& initializer(OnnxBuilder& b, const std::string& name) {
  for (auto& t : *b.model.mutable_graph()->mutable_initializer()) {
    if (t.name() == name) return t;
  }
  throw std::runtime_error("no initializer " + name);
}

TEST(OnnxMalformed, EmptyFile) {
  TempDir dir;
  write_bytes(dir.file("m.onnx"), "");
  EXPECT_CONTAINS(expect_onnx_failure(dir), "not an ONNX model (empty file)");
}

TEST(OnnxMalformed, TruncatedProtobuf) {
  const std::string good = fixture_model();
  // Cuts inside the header fields, inside the first initializer's data,
  // in the middle and one byte short of the end.
  for (size_t cut : {size_t{1}, size_t{5}, size_t{40}, size_t{3000}, good.size() / 2, good.size() - 1}) {
    TempDir dir;
    write_bytes(dir.file("m.onnx"), good.substr(0, cut));
    const std::string msg = expect_onnx_failure(dir);
    EXPECT_CONTAINS(msg, "not an ONNX model") << "cut at " << cut;
  }
}

TEST(OnnxMalformed, MissingInitializerNamesNodeAndTensor) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 3});
  b.node("MatMul", {"x", "w_missing"}, {"y"}, "mm");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "input 'w_missing' of node: name: mm OpType: MatMul is not output");
}

TEST(OnnxMalformed, RawDataLengthNotMatchingDims) {
  TempDir dir;
  OnnxBuilder b = matmul_model();
  auto& w = initializer(b, "w");
  w.clear_float_data();
  w.set_raw_data(std::string(44, '\0'));  // 11 floats for [4,3]
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': raw_data holds 44 bytes, dims x element size need 12 x 4");
}

TEST(OnnxMalformed, RawDataNotAWholeNumberOfElements) {
  TempDir dir;
  OnnxBuilder b = matmul_model();
  auto& w = initializer(b, "w");
  w.clear_float_data();
  w.set_raw_data(std::string(49, '\0'));
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': raw_data holds 49 bytes");
}

TEST(OnnxMalformed, FloatDataCountNotMatchingDims) {
  TempDir dir;
  OnnxBuilder b = matmul_model();
  initializer(b, "w").mutable_float_data()->RemoveLast();
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': holds 11 elements, expected 12");
}

TEST(OnnxMalformed, NegativeDimension) {
  TempDir dir;
  OnnxBuilder b = matmul_model();
  initializer(b, "w").set_dims(0, -4);
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': negative dimension -4 (dim 0)");
}

TEST(OnnxMalformed, DimsOverflowingTheElementCount) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  // 2^62 x 4 wraps to 0 in 64 bits: an empty float_data would "match".
  b.initializer("w", {int64_t{1} << 62, 4}, {});
  b.node("Add", {"x", "w"}, {"y"}, "add");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': dims [4611686018427387904,4] overflow a 64-bit element count");
}

TEST(OnnxMalformed, GraphInputDimsOverflowing) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {int64_t{1} << 40, int64_t{1} << 40}).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "graph input 'x': dims [1099511627776,1099511627776] overflow");
}

TEST(OnnxMalformed, UnsupportedDataTypes) {
  struct Case {
    int type;
    const char* message;
  };
  for (const Case& c : {Case{onnx::TensorProto::STRING, "element type STRING is not supported"},
                        Case{onnx::TensorProto::COMPLEX64, "element type COMPLEX64 is not supported"},
                        Case{77, "element type 77 is not supported"}}) {
    TempDir dir;
    OnnxBuilder b = matmul_model();
    auto& w = initializer(b, "w");
    w.clear_float_data();
    w.set_data_type(c.type);
    if (c.type == onnx::TensorProto::STRING) {
      for (int k = 0; k < 12; ++k) w.add_string_data("s");
    } else {
      w.set_raw_data(std::string(96, '\0'));
    }
    b.save(dir.file("m.onnx"));
    EXPECT_CONTAINS(expect_onnx_failure(dir), std::string("initializer 'w': ") + c.message);
  }
}

TEST(OnnxMalformed, ConvWeightOfWrongRank) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2, 6, 6}).output("y");
  b.initializer("w", {4, 2, 3}, random_floats(24, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'conv' (Conv, opset 13): a 1-D convolution");
}

// libonnx's Conv shape inference takes the kernel from W's dims and indexes
// X's per-axis values with W's spatial rank: these two graphs read out of
// bounds there (the first was a SEGV found by fuzz_onnx_import). Written
// as they are, because save() runs that inference.
std::string conv_failure(const std::vector<int64_t>& x, const std::vector<int64_t>& w, const std::string& auto_pad) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", x).output("y", {1, 2});
  size_t count = 1;
  for (int64_t d : w) count *= static_cast<size_t>(d);
  b.initializer("w", w, random_floats(count, 1));
  auto& conv = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  if (!auto_pad.empty()) OnnxBuilder::attr(conv, "auto_pad", auto_pad);
  std::ofstream(dir.file("m.onnx"), std::ios::binary) << b.model.SerializeAsString();
  return expect_onnx_failure(dir);
}

TEST(OnnxMalformed, ConvWeightOfHigherRankThanInput) {
  const std::string error = conv_failure({1, 4}, {2, 4, 3, 3}, "");
  EXPECT_CONTAINS(error, "node name: conv)");
  EXPECT_CONTAINS(error, "W has rank 4 and X has rank 2; without a kernel_shape attribute they must match");
}

TEST(OnnxMalformed, ConvWeightOfLowerRankUnderAutoPad) {
  const std::string error = conv_failure({1, 2, 6, 6}, {4, 2, 3}, "SAME_UPPER");
  EXPECT_CONTAINS(error, "node name: conv)");
  EXPECT_CONTAINS(error, "W has rank 3 and X has rank 4; without a kernel_shape attribute they must match");
}

TEST(OnnxMalformed, ConvChannelMismatch) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 3, 6, 6}).output("y");
  b.initializer("w", {4, 2, 3, 3}, random_floats(72, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'conv' (Conv, opset 13): group=1 does not match X [1,3,6,6] and W [4,2,3,3]");
}

TEST(OnnxMalformed, ConvBiasLengthMismatch) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 2, 6, 6}).output("y");
  b.initializer("w", {4, 2, 3, 3}, random_floats(72, 1)).initializer("bias", {3}, random_floats(3, 2));
  b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'conv' (Conv, opset 13): B must be float [M]");
}

TEST(OnnxMalformed, GemmAndMatMulInnerDimensionMismatch) {
  // Gemm is left to our lowering, MatMul refused by ONNX shape inference.
  for (const char* op : {"Gemm", "MatMul"}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 4}).output("y", {1, 3});
    b.initializer("w", {5, 3}, random_floats(15, 1));
    b.node(op, {"x", "w"}, {"y"}, "mm");
    b.save(dir.file("m.onnx"));
    const std::string msg = expect_onnx_failure(dir);
    EXPECT_CONTAINS(msg, "mm") << op;
    EXPECT_TRUE(msg.find("inner dimensions differ: [1,4] x [5,3]") != std::string::npos ||
                msg.find("Incompatible dimensions") != std::string::npos)
        << msg;
  }
}

TEST(OnnxMalformed, BatchNormParameterLengths) {
  // Standalone (lowered to Mul + Add) and after a Conv (folded into it):
  // one of the four parameters is one channel short.
  for (bool after_conv : {false, true}) {
    for (const char* param : {"scale", "B", "mean", "var"}) {
      TempDir dir;
      OnnxBuilder b;
      b.input("x", {1, 3, 4, 4}).output("y");
      std::string bn_in = "x";
      if (after_conv) {
        b.initializer("w", {3, 3, 1, 1}, random_floats(9, 1));
        b.node("Conv", {"x", "w"}, {"c"}, "conv");
        bn_in = "c";
      }
      for (const char* p : {"scale", "B", "mean", "var"}) {
        const int n = std::strcmp(p, param) == 0 ? 2 : 3;
        std::vector<float> v(n, 0.5f);
        b.initializer(p, {n}, v);
      }
      b.node("BatchNormalization", {bn_in, "scale", "B", "mean", "var"}, {"y"}, "bn");
      b.save(dir.file("m.onnx"));
      const std::string msg = expect_onnx_failure(dir);
      EXPECT_CONTAINS(msg, "node 'bn' (BatchNormalization, opset 13): '") << param;
      EXPECT_CONTAINS(msg, "' must be float [C]") << param << (after_conv ? " after conv" : "");
    }
  }
}

TEST(OnnxMalformed, GraphCycle) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 4});
  b.node("Add", {"x", "b"}, {"a"}, "first");
  b.node("Relu", {"a"}, {"b"}, "second");
  b.node("Relu", {"b"}, {"y"}, "third");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "input 'b' of node: name: first OpType: Add is not output of any previous");
}

TEST(OnnxMalformed, DuplicateOutputNames) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 4});
  b.node("Relu", {"x"}, {"y"}, "one");
  b.node("Relu", {"x"}, {"y"}, "two");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "'y' has been used as output names multiple times");
}

TEST(OnnxMalformed, InitializerDefinedTwice) {
  TempDir dir;
  OnnxBuilder b = matmul_model();
  b.initializer("w", {4, 3}, random_floats(12, 9));
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "w initializer name is not unique");
}

}  // namespace
}  // namespace nibble::test
