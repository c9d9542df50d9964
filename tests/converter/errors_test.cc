// Every failure is a convert::Error naming the file and node, and leaves
// neither the output nor a temporary file behind.
#include <fstream>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "tests/converter/onnx_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

// Converts dir/m.onnx to dir/m.nbl expecting an Error; returns its message
// after checking the directory holds nothing but the model.
std::string expect_failure(TempDir& dir, const convert::ConvertOptions& options = {}) {
  std::string message;
  try {
    convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), options);
    ADD_FAILURE() << "conversion succeeded";
  } catch (const convert::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.onnx"});
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find(dir.file("m.onnx")), std::string::npos) << message;
  return message;
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

TEST(Errors, NotProtobuf) {
  TempDir dir;
  static const char kGarbage[] = "\xff\xff\xff\xff not a model at all \x01\x02";
  write_bytes(dir.file("m.onnx"), std::string(kGarbage, sizeof(kGarbage) - 1));
  const std::string msg = expect_failure(dir);
  EXPECT_CONTAINS(msg, "not an ONNX model (protobuf parse failed)");
}

TEST(Errors, MissingFile) {
  TempDir dir;
  EXPECT_THROW(convert::convert_onnx_file(dir.file("absent.onnx"), dir.file("m.nbl"), {}), convert::Error);
  EXPECT_TRUE(dir.list().empty());
}

TEST(Errors, UnsupportedOps) {
  for (const char* op : {"LSTM", "FrobnicateOp"}) {
    TempDir dir;
    OnnxBuilder b;
    b.input("x", {1, 2, 3}).output("y");
    b.initializer("w", {1, 8, 3}, random_floats(24, 1)).initializer("r", {1, 8, 2}, random_floats(16, 2));
    b.node(op, {"x", "w", "r"}, {"y"}, std::string("my_") + op);
    b.save(dir.file("m.onnx"));
    const std::string msg = expect_failure(dir);
    EXPECT_CONTAINS(msg, std::string("node 'my_") + op + "'");
    EXPECT_CONTAINS(msg, std::string("(") + op + ", opset 13)");
    EXPECT_CONTAINS(msg, "not supported");
  }
}

TEST(Errors, ThreeDimensionalConv) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4, 4}).output("y");
  b.initializer("w", {1, 1, 2, 2, 2}, random_floats(8, 1));
  b.node("Conv", {"x", "w"}, {"y"}, "conv3d");
  b.save(dir.file("m.onnx"));
  const std::string msg = expect_failure(dir);
  EXPECT_CONTAINS(msg, "node 'conv3d' (Conv, opset 13): a 3-D convolution (only 2-D) is not supported");
}

TEST(Errors, MaxPoolStorageOrder) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y");
  auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool");
  OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(n, "storage_order", int64_t{1});
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "node 'pool' (MaxPool, opset 13): storage_order=1 is not supported");
}

TEST(Errors, MaxPoolIndicesOutput) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y", {1, 1, 3, 3}).output("i", {1, 1, 3, 3});
  b.model.mutable_graph()->mutable_output(1)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT64);
  auto& n = b.node("MaxPool", {"x"}, {"y", "i"}, "pool");
  OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "the indices output is not supported");
}

TEST(Errors, AveragePoolCeilWithCountIncludePad) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y");
  auto& n = b.node("AveragePool", {"x"}, {"y"}, "avg");
  OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{3, 3});
  OnnxBuilder::attr(n, "strides", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(n, "ceil_mode", int64_t{1});
  OnnxBuilder::attr(n, "count_include_pad", int64_t{1});
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "ceil_mode=1 with count_include_pad=1 is not supported");
}

// A zero stride reached ONNX's shape inference, which divides by it
// (SIGFPE, found by fuzz_onnx_import).
TEST(Errors, ZeroPoolStride) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y");
  auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool");
  OnnxBuilder::attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
  OnnxBuilder::attr(n, "strides", std::vector<int64_t>{0, 1});
  // Written as is: save() runs shape inference, which would crash here.
  std::ofstream(dir.file("m.onnx"), std::ios::binary) << b.model.SerializeAsString();
  EXPECT_CONTAINS(expect_failure(dir), "node 'pool' (MaxPool): strides value 0 is outside 1..");
}

TEST(Errors, SoftmaxOpset11OverSeveralAxes) {
  TempDir dir;
  OnnxBuilder b(11);
  b.input("x", {1, 3, 4}).output("y");
  auto& n = b.node("Softmax", {"x"}, {"y"}, "softmax");
  OnnxBuilder::attr(n, "axis", int64_t{1});
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "node 'softmax' (Softmax, opset 11): axis 1 over several dimensions");
}

TEST(Errors, NonConstantReshapeShape) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {2, 3}).input("shape_in", {2}).output("y", {3, 2});
  b.model.mutable_graph()->mutable_input(1)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT64);
  b.node("Reshape", {"x", "shape_in"}, {"y"}, "reshape");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "graph input 'shape_in' has element type INT64");
}

TEST(Errors, NonConstantConvWeights) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 1, 4, 4}).input("w", {1, 1, 2, 2}).output("y");
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "node 'conv' (Conv, opset 13): a non-constant 'W' input is not supported");
}

TEST(Errors, UnsupportedOpsets) {
  TempDir dir;
  OnnxBuilder b(18);
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "opset 18 is not supported");
}

TEST(Errors, LegacyBroadcastingBeforeOpset7) {
  TempDir dir;
  OnnxBuilder b(6);
  b.input("x", {1, 4}).input("z", {1, 4}).output("y");
  b.node("Add", {"x", "z"}, {"y"}, "add");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "node 'add' (Add, opset 6): legacy broadcasting");
}

TEST(Errors, CheckerFailure) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"nowhere"}, {"y"}, "relu");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_failure(dir), "ONNX checker");
}

TEST(Errors, UnknownInputShapeOption) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.save(dir.file("m.onnx"));
  convert::ConvertOptions options;
  options.input_shapes["nope"] = {1, 4};
  EXPECT_CONTAINS(expect_failure(dir, options), "no graph input 'nope'");
}

TEST(Errors, UnwritableOutputLeavesNothing) {
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.save(dir.file("m.onnx"));
  try {
    convert::convert_onnx_file(dir.file("m.onnx"), dir.file("missing_dir/m.nbl"), {});
    ADD_FAILURE() << "conversion succeeded";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "missing_dir/m.nbl: cannot write");
  }
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.onnx"});
}

TEST(Errors, ExistingOutputIsReplacedOnlyOnSuccess) {
  TempDir dir;
  write_bytes(dir.file("m.nbl"), "old contents");
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("LSTM", {"x"}, {"y"}, "lstm");
  b.save(dir.file("m.onnx"));
  EXPECT_THROW(convert::convert_onnx_file(dir.file("m.onnx"), dir.file("m.nbl"), {}), convert::Error);
  EXPECT_EQ(read_bytes(dir.file("m.nbl")), "old contents");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.nbl", "m.onnx"}));
}

}  // namespace
}  // namespace nibble::test
