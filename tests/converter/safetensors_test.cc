// The safetensors reader: what the format's specification requires of a
// file is checked, and every violation is an Error naming the file and
// the tensor; sharded checkpoints through their index.
#include "converter/hf/safetensors.h"

#include <cmath>
#include <limits>

#include "converter/convert.h"
#include "gtest/gtest.h"
#include "tests/converter/safetensors_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

using convert::hf::Checkpoint;
using convert::hf::SafetensorsFile;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

// The message of the Error parsing bytes as "m.safetensors" throws.
std::string parse_error(const std::string& bytes) {
  try {
    SafetensorsFile::parse("m.safetensors", bytes);
  } catch (const convert::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed";
  return "";
}

std::string tensor_json(const std::string& dtype, const std::string& shape, uint64_t begin, uint64_t end) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

TEST(Safetensors, ReadsF32F16AndBF16) {
  const std::vector<float> a = {1.5f, -2.0f, 0.0f, 3.25f, 1e-3f, -7.0f};
  std::string half, bf16;
  for (float x : {1.0f, -0.5f, 65504.0f}) {
    const uint16_t h = float_to_half(x);
    half += static_cast<char>(h & 0xff);
    half += static_cast<char>(h >> 8);
  }
  for (float x : {1.0f, -3.0f}) {
    const uint16_t h = float_to_bfloat16(x);
    bf16 += static_cast<char>(h & 0xff);
    bf16 += static_cast<char>(h >> 8);
  }
  const std::string bytes = safetensors_file({{"a", "F32", {2, 3}, f32_bytes(a)}, {"h", "F16", {3}, half}, {"b", "BF16", {2}, bf16}},
                                             "{\"format\":\"pt\"}");
  const auto file = SafetensorsFile::parse("m.safetensors", bytes);
  ASSERT_EQ(file->tensors().size(), 3u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  const convert::TensorData ta = file->read_float(*file->find("a"));
  EXPECT_EQ(ta.shape, (convert::Shape{2, 3}));
  EXPECT_EQ(ta.f, a);
  EXPECT_EQ(file->read_float(*file->find("h")).f, (std::vector<float>{1.0f, -0.5f, 65504.0f}));
  EXPECT_EQ(file->read_float(*file->find("b")).f, (std::vector<float>{1.0f, -3.0f}));
  EXPECT_EQ(file->find("absent"), nullptr);
}

TEST(Safetensors, HalfWideningIsExact) {
  using convert::hf::half_to_float;
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
  EXPECT_EQ(convert::hf::bfloat16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(convert::hf::bfloat16_to_float(0xc040), -3.0f);
  // Every finite half survives the round trip through the test's narrowing.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h) << h;
  }
}

TEST(Safetensors, EmptyHeaderAndZeroSizedTensors) {
  EXPECT_TRUE(SafetensorsFile::parse("m.safetensors", safetensors_raw("{}", ""))->tensors().empty());
  const auto f = SafetensorsFile::parse("m.safetensors", safetensors_file({{"e", "F32", {0, 4}, ""}, {"x", "F32", {1}, f32_bytes({2.0f})}}));
  EXPECT_EQ(f->read_float(*f->find("x")).f, std::vector<float>{2.0f});
  // Reading the empty one passed a null pointer to memcpy (UBSan, found
  // by fuzz_safetensors).
  EXPECT_TRUE(f->read_float(*f->find("e")).f.empty());
}

TEST(Safetensors, TruncatedFile) {
  EXPECT_CONTAINS(parse_error(std::string("\x10\x00\x00", 3)), "m.safetensors: truncated: 3 bytes");
  // The data region ends early: the last tensor reaches past it.
  std::string bytes = safetensors_file({{"w", "F32", {4}, f32_bytes({1, 2, 3, 4})}});
  bytes.resize(bytes.size() - 3);
  EXPECT_CONTAINS(parse_error(bytes), "m.safetensors: tensor 'w': data_offsets [0, 16) reach past the data region (13 bytes)");
}

TEST(Safetensors, HeaderLengthBeyondTheFile) {
  std::string bytes = safetensors_raw("{}", "");
  bytes[0] = 64;
  EXPECT_CONTAINS(parse_error(bytes), "m.safetensors: truncated: the header needs 64 bytes, the file has 8");
  bytes[0] = 0;
  bytes[4] = 1;  // 4 GiB
  EXPECT_CONTAINS(parse_error(bytes), "header size 4294967296 exceeds the 100 MiB limit");
}

TEST(Safetensors, HeaderNotJson) {
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\": nope}", "")), "m.safetensors (header): invalid JSON at byte");
  EXPECT_CONTAINS(parse_error(safetensors_raw("[1,2]", "")), "m.safetensors: the header is a JSON array, not an object");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\": 3}", "")), "m.safetensors: tensor 'a': header entry is a JSON number");
}

TEST(Safetensors, OverlappingOffsets) {
  const std::string header = "{\"a\":" + tensor_json("F32", "[2]", 0, 8) + ",\"b\":" + tensor_json("F32", "[2]", 4, 12) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(header, std::string(12, '\0'))),
                  "m.safetensors: tensor 'b': data_offsets [4, 12) overlap tensor 'a' [0, 8)");
}

TEST(Safetensors, Hole) {
  const std::string header = "{\"a\":" + tensor_json("F32", "[1]", 0, 4) + ",\"b\":" + tensor_json("F32", "[1]", 8, 12) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(header, std::string(12, '\0'))),
                  "m.safetensors: tensor 'b': data_offsets [8, 12) leave a hole: bytes [4, 8) belong to no tensor");
  // Bytes after the last tensor are a hole too.
  const std::string one = "{\"a\":" + tensor_json("F32", "[1]", 0, 4) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(one, std::string(6, '\0'))),
                  "m.safetensors: the data region has 6 bytes, the tensors cover 4");
}

TEST(Safetensors, ByteCountMismatch) {
  const std::string header = "{\"h.0.attn.c_attn.weight\":" + tensor_json("F32", "[256,768]", 0, 1000) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(header, std::string(1000, '\0'))),
                  "m.safetensors: tensor 'h.0.attn.c_attn.weight': data_offsets [0, 1000) hold 1000 bytes, shape "
                  "[256,768] x F32 needs 786432");
  const std::string overflow = "{\"x\":" + tensor_json("F64", "[4294967296,4294967296]", 0, 8) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(overflow, std::string(8, '\0'))), "tensor 'x': shape [4294967296,4294967296]");
}

TEST(Safetensors, DuplicateTensor) {
  const std::string header = "{\"a\":" + tensor_json("F32", "[1]", 0, 4) + ",\"a\":" + tensor_json("F32", "[1]", 4, 8) + "}";
  EXPECT_CONTAINS(parse_error(safetensors_raw(header, std::string(8, '\0'))), "m.safetensors: tensor 'a' appears twice in the header");
}

TEST(Safetensors, BadEntries) {
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\":" + tensor_json("F4", "[1]", 0, 1) + "}", "x")),
                  "tensor 'a': unknown dtype 'F4'");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\":" + tensor_json("F32", "[-1]", 0, 0) + "}", "")),
                  "tensor 'a': shape has '-1', not a non-negative integer");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\":" + tensor_json("F32", "[1.5]", 0, 0) + "}", "")), "not a non-negative integer");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "1234")),
                  "tensor 'a': 'data_offsets' is missing");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"a\":" + tensor_json("F32", "[1]", 4, 0) + "}", "1234")), "end before they begin");
  EXPECT_CONTAINS(parse_error(safetensors_raw("{\"__metadata__\":{\"k\":1}}", "")), "'__metadata__' entry 'k' is not a string");
}

TEST(Safetensors, NonFloatDtypesRecognisedButNotRead) {
  const auto f = SafetensorsFile::parse("m.safetensors", safetensors_file({{"ids", "I64", {2}, std::string(16, '\0')},
                                                                          {"mask", "BOOL", {3}, std::string(3, '\1')}}));
  try {
    f->read_float(*f->find("ids"));
    ADD_FAILURE() << "read";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "m.safetensors: tensor 'ids': dtype I64 is not supported for weights (F32, F16 or BF16)");
  }
}

TEST(Safetensors, ShardedCheckpoint) {
  TempDir dir;
  write_bytes(dir.file("model-00001-of-00002.safetensors"), safetensors_file({{"a", "F32", {1}, f32_bytes({1.0f})}}));
  write_bytes(dir.file("model-00002-of-00002.safetensors"), safetensors_file({{"b", "F32", {2}, f32_bytes({2.0f, 3.0f})}}));
  write_bytes(dir.file("model.safetensors.index.json"),
              "{\"metadata\":{\"total_size\":12},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
              "\"b\":\"model-00002-of-00002.safetensors\"}}");
  const Checkpoint c = Checkpoint::open_dir(dir.path());
  EXPECT_EQ(c.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.read_float("b").f, (std::vector<float>{2.0f, 3.0f}));
  EXPECT_EQ(c.description_path(), dir.file("model.safetensors.index.json"));
  try {
    c.read_float("c");
    ADD_FAILURE() << "read";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "model.safetensors.index.json: tensor 'c' is missing");
  }
}

TEST(Safetensors, BadShardFileNames) {
  for (const std::string name : {"../model.safetensors", "/etc/passwd", "sub/model.safetensors", "..", ""}) {
    TempDir dir;
    write_bytes(dir.file("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"" + name + "\"}}");
    try {
      Checkpoint::open_dir(dir.path());
      ADD_FAILURE() << name;
    } catch (const convert::Error& e) {
      EXPECT_CONTAINS(std::string(e.what()), "weight_map entry 'a' names '" + name + "', not a plain file name");
    }
  }
}

TEST(Safetensors, ShardNotHoldingItsTensor) {
  TempDir dir;
  write_bytes(dir.file("s.safetensors"), safetensors_file({{"a", "F32", {1}, f32_bytes({1.0f})}}));
  write_bytes(dir.file("model.safetensors.index.json"), "{\"weight_map\":{\"b\":\"s.safetensors\"}}");
  EXPECT_THROW(Checkpoint::open_dir(dir.path()), convert::Error);
  write_bytes(dir.file("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"s.safetensors\",\"a\":\"s.safetensors\"}}");
  try {
    Checkpoint::open_dir(dir.path());
    ADD_FAILURE() << "opened";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "weight_map has tensor 'a' twice");
  }
}

TEST(Safetensors, NoCheckpointInDirectory) {
  TempDir dir;
  try {
    Checkpoint::open_dir(dir.path());
    ADD_FAILURE() << "opened";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "no model.safetensors or model.safetensors.index.json");
  }
}

// Every single-byte change of a small file either still parses into
// tensors that lie in the data region, or is an Error: never a crash or
// another exception.
TEST(Safetensors, EveryByteMutationParsesOrIsAnError) {
  const std::string good = safetensors_file({{"a", "F32", {2, 1}, f32_bytes({1, 2})}, {"b", "F16", {3}, std::string(6, '\1')}},
                                            "{\"k\":\"v\"}");
  int parsed = 0, refused = 0;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (int value : {0x00, 0x01, 0x22, 0x2c, 0x30, 0x39, 0x5b, 0x5d, 0x7b, 0x7d, 0x7f, 0xff}) {
      std::string bytes = good;
      bytes[pos] = static_cast<char>(value);
      try {
        const auto f = SafetensorsFile::parse("m.safetensors", bytes);
        for (const convert::hf::StTensor& t : f->tensors()) {
          ASSERT_LE(t.end, bytes.size());
          (void)f->read_float(t);
        }
        ++parsed;
      } catch (const convert::Error&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

TEST(Safetensors, ReadsTheFixture) {
  const Checkpoint c = Checkpoint::open_dir(gpt2_fixture_dir());
  EXPECT_EQ(c.names().size(), 52u);
  const SafetensorsFile* file = nullptr;
  EXPECT_EQ(c.tensor("h.0.attn.c_attn.weight", &file).shape, (convert::Shape{256, 768}));
}

}  // namespace
}  // namespace nibble::test
