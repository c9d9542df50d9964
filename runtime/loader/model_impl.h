// What a verified model holds once loaded: pointers into the file image
// plus the tables derived from it (tensor shapes, parsed op parameters,
// the memory plan). Everything here was checked by verify_model().
#pragma once

#include <cstdint>

#include "nibble/nibble.hpp"
#include "ops/op_params.h"
#include "schema/nibble_generated.h"

namespace nibble {

// Caps on counts declared by a file, so a tiny file cannot make the
// loader allocate gigabytes of tables, nor spend minutes in the memory
// planner and the plan check, which compare tensors pairwise (quadratic:
// 2^15 tensors bound that to ~5 * 10^8 cheap comparisons; at 2^20 it was
// hours). The largest transformer an edge device runs has a few thousand
// tensors.
constexpr uint32_t kMaxTensors = 1u << 15;
constexpr uint32_t kMaxOperators = 1u << 15;
constexpr uint32_t kMaxGraphIO = 1024;

struct TensorDesc {
  const char* name;  // never null ("" if the file has none)
  int32_t rank;
  int64_t dims[kMaxRank];
  uint64_t numel;
  uint64_t bytes;
  // Into the data region; null for activations. For an encoded constant
  // (packed != null) the start of its segment, read only by decoders.
  const float* constant_data;
  const codec::PackedWeights* packed;  // encoded constants only
  uint64_t arena_offset;       // activations only
  bool is_int32;               // I32 elements (token ids); else F32
  bool sequence;               // dims[0] is the sequence axis (activations)
};

struct OpDesc {
  const char* name;  // never null
  OpParams params;
  int32_t num_inputs;
  int32_t num_outputs;
  int32_t inputs[kMaxOpInputs];
  int32_t outputs[kMaxOpOutputs];
};

struct Model::Impl {
  const uint8_t* base = nullptr;
  uint64_t size = 0;
  const fb::Model* root = nullptr;
  const uint8_t* data_region = nullptr;
  uint64_t data_size = 0;
  uint64_t weight_bytes = 0;

  uint32_t num_tensors = 0;
  TensorDesc* tensors = nullptr;
  uint32_t num_packed = 0;
  codec::PackedWeights* packed = nullptr;  // one per encoded constant
  float* derived_tables = nullptr;         // code tables files leave out
  uint32_t num_ops = 0;
  OpDesc* ops = nullptr;
  uint32_t num_inputs = 0;
  int32_t* inputs = nullptr;
  uint32_t num_outputs = 0;
  int32_t* outputs = nullptr;
  uint64_t arena_bytes = 0;
  // The planned maximum of every sequence tensor's dims[0]; 0 if the model
  // has no sequence axis.
  int64_t max_sequence = 0;

  // Called on destruction to give the image back (munmap, free); may be null.
  void (*release)(void* context, const void* data, uint64_t size) = nullptr;
  void* release_context = nullptr;
  // Where this Impl and its tables came from (a copy of the caller's).
  Allocator allocator = {nullptr, nullptr, nullptr};
};

struct ModelAccess {
  static Model make(Model::Impl* impl) { return Model(impl); }
};

// Element types and the sequence axis across ops (graph_rules.cc): I32
// tensors are graph inputs read only as EMBEDDING ids; an op touching a
// sequence tensor is one that works row by row, and its output is a
// sequence tensor exactly when its first input is. Sets max_sequence.
Status verify_graph_rules(Model::Impl* impl);

// Runs every check on the image and fills impl's derived tables. On
// failure impl may be partly filled; the caller frees it with
// destroy_model_tables().
Status verify_model(const uint8_t* base, uint64_t size, Model::Impl* impl);
void destroy_model_tables(Model::Impl* impl);

// The Model built from an image owned elsewhere; release (may be null) is
// called when the Model is destroyed, including when loading fails. The
// Impl and its tables come from `allocator` (nullptr: malloc/free).
Result<Model> make_model(const void* data, size_t size,
                         void (*release)(void*, const void*, uint64_t), void* release_context,
                         const Allocator* allocator = nullptr);

}  // namespace nibble
