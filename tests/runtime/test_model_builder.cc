#include "test_model_builder.h"

#include <cstring>

#include "loader/file_layout.h"
#include "schema/nibble_generated.h"

namespace nibble::testing {

AlignedImage aligned_copy(const std::vector<uint8_t>& bytes) {
  AlignedImage image;
  const size_t rounded = (bytes.size() + 63) / 64 * 64 + 64;
  image.storage.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded)), std::free);
  std::memset(image.storage.get(), 0, rounded);
  if (!bytes.empty()) std::memcpy(image.storage.get(), bytes.data(), bytes.size());
  image.size = bytes.size();
  return image;
}

TokenizerTable byte_level_tokenizer() {
  TokenizerTable t;
  for (int byte = 0; byte < 256; ++byte) {
    t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
    t.token_bytes.push_back(static_cast<uint8_t>(byte));
  }
  for (const char* extra : {"ab", "abc"}) {
    t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
    t.token_bytes.insert(t.token_bytes.end(), extra, extra + std::strlen(extra));
  }
  t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
  t.merges = {'a', 'b', 256, 'c'};
  t.merge_results = {256, 257};
  t.eos = 257;
  return t;
}

std::vector<uint8_t> build_model(const Knobs& k) {
  namespace f = nibble::fb;
  flatbuffers::FlatBufferBuilder b;

  // Data region: w (48 bytes) at 0, b (12 bytes) at 64.
  std::vector<float> w(12), bias = {1.0f, -20.0f, 0.25f};
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 4; ++c) w[i * 4 + c] = i + 0.5f * c;
  std::vector<uint8_t> data(128, 0);
  std::memcpy(data.data(), w.data(), 48);
  std::memcpy(data.data() + 64, bias.data(), 12);

  std::vector<flatbuffers::Offset<f::Segment>> segments = {
      k.override_segment0 ? f::CreateSegment(b, k.segment0_offset, k.segment0_size) : f::CreateSegment(b, 0, 48),
      f::CreateSegment(b, 64, 12)};

  // Laid out like CreateTensorDirect (name, then shape), so the bytes are
  // the same unless misalign_x_shape asks otherwise.
  auto shape_vector = [&](const std::vector<int64_t>& shape, bool misalign) {
    if (!misalign) return b.CreateVector(shape);
    // As 2n u32 words (4-byte alignment only), the length field saying n;
    // one pad word first if needed to put the elements at 4 mod 8 (the
    // finished buffer is 8-aligned from its end, back to front).
    if (b.GetSize() % 8 == 0) b.PushElement<uint32_t>(0);
    b.StartVector(2 * shape.size(), sizeof(uint32_t));
    for (size_t i = shape.size(); i-- > 0;) {
      const uint64_t v = static_cast<uint64_t>(shape[i]);
      b.PushElement<uint32_t>(static_cast<uint32_t>(v >> 32));
      b.PushElement<uint32_t>(static_cast<uint32_t>(v));
    }
    return flatbuffers::Offset<flatbuffers::Vector<int64_t>>(b.EndVector(shape.size()));
  };
  auto tensor = [&](const char* name, std::vector<int64_t> shape, int32_t segment, size_t index) {
    const bool int32 = index == 0 && k.x_int32;
    const auto codec = f::CreateRawCodec(b).Union();  // argument of CreateTensorDirect: made first
    const auto name_offset = b.CreateString(name);
    const auto shape_offset = shape_vector(shape, index == 0 && k.misalign_x_shape);
    return f::CreateTensor(b, name_offset, shape_offset, int32 ? f::ElementType::I32 : f::ElementType::F32,
                           f::Codec::RawCodec, codec, segment, index < k.sequence.size() && k.sequence[index]);
  };
  std::vector<int64_t> z_shape = {k.y_shape.empty() ? 1 : k.y_shape[0], 3};
  std::vector<flatbuffers::Offset<f::Tensor>> tensors = {
      tensor("x", k.x_shape, -1, 0), tensor("w", {3, 4}, k.weight_segment, 1), tensor("b", {3}, 1, 2),
      tensor("y", k.y_shape, -1, 3), tensor("z", z_shape, -1, 4)};

  std::vector<int32_t> clamp_out = {4};
  auto linear = f::CreateOperatorDirect(b, static_cast<f::OpCode>(k.linear_opcode), "fc", &k.linear_inputs,
                                        &k.linear_outputs,
                                   f::OpOptions::LinearOptions, f::CreateLinearOptions(b).Union());
  auto clamp = f::CreateOperatorDirect(b, f::OpCode::CLAMP, "relu6", &k.clamp_inputs, &clamp_out,
                                       f::OpOptions::ClampOptions,
                                       f::CreateClampOptions(b, k.clamp_min, k.clamp_max).Union());
  std::vector<flatbuffers::Offset<f::Operator>> ops =
      k.swap_ops ? std::vector<flatbuffers::Offset<f::Operator>>{clamp, linear}
                 : std::vector<flatbuffers::Offset<f::Operator>>{linear, clamp};

  flatbuffers::Offset<f::MemoryPlan> plan = 0;
  if (k.write_plan) {
    // x at 0, y at 64, z at 128 (or 64 when overlapping on purpose).
    std::vector<uint64_t> offsets = {0, 0, 0, 64, k.overlap_plan ? 64u : 128u};
    uint64_t arena = 192;
    if (k.far_plan) {
      offsets[4] = uint64_t{1} << 40;
      arena = uint64_t{1} << 41;
    }
    plan = f::CreateMemoryPlanDirect(b, arena, &offsets);
  }
  auto metadata = f::CreateMetadataDirect(b, "test", "0", "built-in", "", "");
  flatbuffers::Offset<f::Tokenizer> tokenizer = 0;
  if (k.write_tokenizer) {
    const TokenizerTable& t = k.tokenizer;
    tokenizer = f::CreateTokenizerDirect(b, static_cast<f::TokenizerKind>(t.kind), &t.token_bytes, &t.token_offsets,
                                         &t.merges, &t.merge_results, t.bos, t.eos);
  }
  auto model = f::CreateModelDirect(b, k.format_version, &tensors, &segments, data.size(), &ops, &k.graph_inputs,
                                    &k.graph_outputs, plan, metadata, tokenizer);
  b.FinishSizePrefixed(model, f::ModelIdentifier());

  std::vector<uint8_t> file(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  const uint32_t fb_size = static_cast<uint32_t>(b.GetSize() - kSizePrefixBytes);
  file.resize(data_region_offset(fb_size), 0);
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

}  // namespace nibble::testing
