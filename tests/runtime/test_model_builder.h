// Builds small .nbl images directly with FlatBuffers, so runtime tests do
// not depend on the converter and can break any field on purpose.
//
// The valid model: x[1,4] -> LINEAR(w[3,4], b[3]) -> y[1,3] -> CLAMP[0,6]
// -> z[1,3]. Knobs turn it into each kind of malformed file.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace nibble::testing {

// The vectors of a schema Tokenizer table, written as given (so tests can
// break any rule).
struct TokenizerTable {
  uint8_t kind = 0;  // GPT2_BPE
  std::vector<uint8_t> token_bytes;
  std::vector<uint32_t> token_offsets;
  std::vector<int32_t> merges;
  std::vector<int32_t> merge_results;
  int32_t bos = -1;
  int32_t eos = -1;
};

// The 256 single bytes (token b is byte b) and the merges "a"+"b" -> 256
// "ab", "ab"+"c" -> 257 "abc"; eos 257.
TokenizerTable byte_level_tokenizer();

struct Knobs {
  uint32_t format_version = 1;
  std::vector<int64_t> x_shape = {1, 4};
  std::vector<int64_t> y_shape = {1, 3};
  uint16_t linear_opcode = 1;  // LINEAR
  std::vector<int32_t> linear_inputs = {0, 1, 2};
  std::vector<int32_t> linear_outputs = {3};
  std::vector<int32_t> clamp_inputs = {3};
  std::vector<int32_t> graph_inputs = {0};
  std::vector<int32_t> graph_outputs = {4};
  int32_t weight_segment = 0;
  bool override_segment0 = false;  // use the two fields below for segment 0
  uint64_t segment0_offset = 0;
  uint64_t segment0_size = 0;
  float clamp_min = 0.0f;
  float clamp_max = 6.0f;
  bool write_plan = true;
  bool overlap_plan = false;  // y and z at the same offset (they are alive together)
  bool far_plan = false;      // z at 1 TiB in a 2 TiB arena (3 tensors of 64 bytes)
  bool swap_ops = false;      // CLAMP before LINEAR: reads y before it is written
  // Tensor.sequence of x, w, b, y, z (a token model: dims[0] set per run).
  std::vector<bool> sequence = {false, false, false, false, false};
  bool x_int32 = false;  // x declared I32 (only EMBEDDING may read I32)
  // x's shape vector with its 8-byte elements at 4 mod 8 (the FlatBuffers
  // Verifier only checks the length field's 4-byte alignment).
  bool misalign_x_shape = false;
  bool write_tokenizer = false;  // Model.tokenizer = the table below
  TokenizerTable tokenizer;
};

// A 64-byte aligned copy of a model image.
struct AlignedImage {
  std::shared_ptr<uint8_t> storage;
  size_t size = 0;
  uint8_t* data() const { return storage.get(); }
};

AlignedImage aligned_copy(const std::vector<uint8_t>& bytes);

// The weights are w[i][k] = i + 0.5*k, b = {1, -20, 0.25}.
std::vector<uint8_t> build_model(const Knobs& knobs = {});

}  // namespace nibble::testing
