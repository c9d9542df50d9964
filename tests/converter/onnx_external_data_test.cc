// ONNX external tensor data: read when its location stays inside the
// model's directory, refused (naming the file and tensor, leaving no
// output) for '..', absolute paths, symlinks leading outside, missing or
// non-regular files, offsets and lengths outside the file or not matching
// the tensor. The policy is in converter/onnx/external_data.h.
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "gtest/gtest.h"
#include "tests/converter/conversion_failure.h"
#include "tests/converter/onnx_builder.h"

namespace nibble::test {
namespace {

const std::vector<float> kWeights = random_floats(12, 5);  // w [4,3]

std::string weight_bytes() {
  std::string s(kWeights.size() * 4, '\0');
  std::memcpy(&s[0], kWeights.data(), s.size());
  return s;
}

// MatMul(x [1,4], w [4,3]) with w's bytes in external data described by
// `keys` (location, offset, length ...), saved as dir/m.onnx.
void save_model(const TempDir& dir, const std::map<std::string, std::string>& keys) {
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 3});
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  auto* w = b.model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->add_dims(3);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto& [key, value] : keys) {
    auto* e = w->add_external_data();
    e->set_key(key);
    e->set_value(value);
  }
  b.save(dir.file("m.onnx"));
}

// The converted file holds w as LINEAR's [N,K] = w transposed.
bool holds_weights(const std::string& nbl) {
  std::vector<float> t(12);
  for (int k = 0; k < 4; ++k) {
    for (int n = 0; n < 3; ++n) t[n * 4 + k] = kWeights[k * 3 + n];
  }
  return nbl.find(std::string(reinterpret_cast<const char*>(t.data()), 48)) != std::string::npos;
}

void expect_converts(const TempDir& dir) {
  convert::convert_onnx_file(dir.file("m.onnx"), dir.file("out.nbl"), {});
  EXPECT_TRUE(holds_weights(read_bytes(dir.file("out.nbl"))));
  ::unlink(dir.file("out.nbl").c_str());
}

TEST(OnnxExternalData, ReadsAWholeFile) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  save_model(dir, {{"location", "w.bin"}});
  expect_converts(dir);
}

TEST(OnnxExternalData, ReadsOffsetAndLength) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), std::string(16, 'x') + weight_bytes() + std::string(8, 'y'));
  save_model(dir, {{"location", "w.bin"}, {"offset", "16"}, {"length", "48"}, {"checksum", "ignored"}});
  expect_converts(dir);
}

TEST(OnnxExternalData, FollowsASymlinkInsideTheDirectory) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  ASSERT_EQ(::symlink("w.bin", dir.file("alias.bin").c_str()), 0);
  save_model(dir, {{"location", "alias.bin"}});
  expect_converts(dir);
}

TEST(OnnxExternalData, DotDotRefused) {
  TempDir outer;  // the '..' target exists, so only the check can refuse it
  write_bytes(outer.file("w.bin"), weight_bytes());
  for (const char* location : {"../w.bin", "sub/../w.bin", "..\\w.bin"}) {
    TempDir dir;
    save_model(dir, {{"location", location}});
    const std::string msg = expect_onnx_failure(dir);
    EXPECT_CONTAINS(msg, std::string("initializer 'w': external data location '") + location + "' contains '..'");
  }
}

TEST(OnnxExternalData, AbsolutePathRefused) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  save_model(dir, {{"location", dir.file("w.bin")}});  // absolute even though inside
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': external data location '" + dir.file("w.bin") +
                                                "' is an absolute path");
}

TEST(OnnxExternalData, SymlinkLeadingOutsideRefused) {
  TempDir outside, dir;
  write_bytes(outside.file("w.bin"), weight_bytes());
  ASSERT_EQ(::symlink(outside.file("w.bin").c_str(), dir.file("w.bin").c_str()), 0);
  save_model(dir, {{"location", "w.bin"}});
  const std::string msg = expect_onnx_failure(dir);
  EXPECT_CONTAINS(msg, "initializer 'w': external data 'w.bin' resolves to");
  EXPECT_CONTAINS(msg, "outside the model's directory");
}

TEST(OnnxExternalData, MissingFile) {
  TempDir dir;
  save_model(dir, {{"location", "absent.bin"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': external data 'absent.bin': cannot resolve: No such file");
}

TEST(OnnxExternalData, NoLocation) {
  TempDir dir;
  save_model(dir, {{"offset", "0"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "initializer 'w': external data without a location");
}

TEST(OnnxExternalData, NotARegularFile) {
  TempDir dir;
  // A FIFO would block a plain open() until a writer came: it must be
  // refused without hanging.
  ASSERT_EQ(::mkfifo(dir.file("pipe").c_str(), 0600), 0);
  save_model(dir, {{"location", "pipe"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "external data 'pipe' is not a regular file");
}

TEST(OnnxExternalData, OffsetPastTheEnd) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  save_model(dir, {{"location", "w.bin"}, {"offset", "49"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "external data 'w.bin': offset 49 is past the end of the 48-byte file");
}

TEST(OnnxExternalData, OffsetPlusLengthPastTheEnd) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  // 16 + the second is exactly 2^64: wrapped to 0 it would pass an
  // "offset + length <= size" check.
  for (const char* length : {"48", "18446744073709551600"}) {
    save_model(dir, {{"location", "w.bin"}, {"offset", "16"}, {"length", length}});
    const std::string msg = expect_onnx_failure(dir);
    EXPECT_CONTAINS(msg, "external data 'w.bin': offset 16 + length");
    EXPECT_CONTAINS(msg, "is past the end of the 48-byte file");
  }
}

TEST(OnnxExternalData, LengthNotMatchingTheTensor) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes() + "tail");
  save_model(dir, {{"location", "w.bin"}, {"length", "44"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "external data 'w.bin': length 44 bytes, the tensor's dims and type need 48");
  save_model(dir, {{"location", "w.bin"}});  // no length: the rest of the file, 52 bytes
  EXPECT_CONTAINS(expect_onnx_failure(dir), "length 52 bytes, the tensor's dims and type need 48");
}

TEST(OnnxExternalData, MalformedNumbers) {
  TempDir dir;
  write_bytes(dir.file("w.bin"), weight_bytes());
  for (const char* offset : {"-1", "0x10", "1e3", "", " 1", "123456789012345678901"}) {
    save_model(dir, {{"location", "w.bin"}, {"offset", offset}});
    EXPECT_CONTAINS(expect_onnx_failure(dir), std::string("external_data offset is '") + offset + "', not a decimal");
  }
  save_model(dir, {{"location", "w.bin"}, {"offset", "99999999999999999999"}});
  EXPECT_CONTAINS(expect_onnx_failure(dir), "external_data offset is '99999999999999999999', more than 2^64 - 1");
}

TEST(OnnxExternalData, ConstantNodeValueIsCheckedToo) {
  // The same loader runs over tensor attributes (Constant's 'value').
  TempDir dir;
  OnnxBuilder b;
  b.input("x", {1, 4}).output("y", {1, 3});
  auto& c = b.node("Constant", {}, {"w"}, "const_w");
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* t = a->mutable_t();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(4);
  t->add_dims(3);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value("../w.bin");
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  b.save(dir.file("m.onnx"));
  EXPECT_CONTAINS(expect_onnx_failure(dir), "node 'const_w' attribute 'value': external data location '../w.bin' contains '..'");

  write_bytes(dir.file("w.bin"), weight_bytes());
  e->set_value("w.bin");
  b.save(dir.file("m.onnx"));
  expect_converts(dir);
}

TEST(OnnxExternalData, ModelGivenByARelativePath) {
  // "m.onnx" has no directory part: the data is looked up next to it, in
  // the working directory, and the containment check still applies.
  TempDir dir, outside;
  write_bytes(dir.file("w.bin"), weight_bytes());
  save_model(dir, {{"location", "w.bin"}});
  const std::string convert = "cd '" + dir.path() + "' && " + NIBBLE_CONVERT_BIN + " m.onnx -o out.nbl -q";
  const auto ok = run_command({"sh", "-c", convert}, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(holds_weights(read_bytes(dir.file("out.nbl"))));
  ::unlink(dir.file("out.nbl").c_str());

  write_bytes(outside.file("w.bin"), weight_bytes());
  ::unlink(dir.file("w.bin").c_str());
  ASSERT_EQ(::symlink(outside.file("w.bin").c_str(), dir.file("w.bin").c_str()), 0);
  const auto refused = run_command({"sh", "-c", convert}, dir);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_CONTAINS(refused.err, "nibble-convert: error: m.onnx: initializer 'w': external data 'w.bin' resolves to");
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"m.onnx", "w.bin"}));
}

}  // namespace
}  // namespace nibble::test
