// A one-op model y[M,N] = x[M,K] * W^T with W[N,K] stored under a codec,
// built directly with FlatBuffers so tests can corrupt any codec field.
#pragma once

#include <cstdint>
#include <vector>

#include "schema/nibble_generated.h"

namespace nibble::testing {

struct EncodedLinear {
  int64_t m = 1, n = 3, k = 40;
  fb::Codec codec_type = fb::Codec::IntCodec;
  // Fields of the codec tables (each used by the codec that has it).
  fb::HalfFormat half_format = fb::HalfFormat::F16;
  fb::BlockFormat block_format = fb::BlockFormat::Q8_0;
  int bits = 8;
  bool symmetric = true;
  fb::Granularity granularity = fb::Granularity::CHANNEL;
  uint32_t group_size = 0;
  fb::ScaleType scale_type = fb::ScaleType::F32;
  fb::TableKind table_kind = fb::TableKind::LUT;
  bool has_table = true;
  std::vector<float> table;
  float parameter = 0;
  std::vector<uint8_t> segment;  // the weight's bytes
  bool omit_codec_table = false;  // codec_type set, the codec table itself left out
  // The op's fused output clamp.
  float output_min = -__builtin_inff();
  float output_max = __builtin_inff();
};

// The .nbl image (not aligned: use aligned_copy).
std::vector<uint8_t> build_encoded_linear(const EncodedLinear& spec);

}  // namespace nibble::testing
