// The load-time checks of a .nbl image, in order: buffer size and
// alignment, size prefix, identifier, the FlatBuffers Verifier, format
// version, data region and segments, tensors, operators and graph
// order, graph inputs/outputs, the embedded tokenizer, memory plan. No pointer into the file is
// formed before the value it comes from has been checked.
#include <cstring>

#include "core/allocation.h"
#include "core/checked_math.h"
#include "loader/codec_verifier.h"
#include "loader/file_layout.h"
#include "loader/model_impl.h"
#include "loader/op_parser.h"
#include "loader/tokenizer_verifier.h"
#include "loader/vector_alignment.h"
#include "planner/memory_planner.h"

namespace nibble {
namespace {

uint32_t read_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

Status verify_envelope(const uint8_t* base, uint64_t size, Model::Impl* impl) {
  if (base == nullptr) return NIBBLE_ERROR(kInvalidArgument, "model buffer is null");
  if (reinterpret_cast<uintptr_t>(base) % kSegmentAlignment != 0) {
    return NIBBLE_ERROR(kMisaligned, "model buffer at %p is not %llu-byte aligned", static_cast<const void*>(base),
                        static_cast<unsigned long long>(kSegmentAlignment));
  }
  if (size < kSizePrefixBytes + 8) {
    return NIBBLE_ERROR(kTruncated, "model is %llu bytes, too short for a header", static_cast<unsigned long long>(size));
  }
  const uint32_t fb_size = read_u32_le(base);
  if (!range_within(kSizePrefixBytes, fb_size, size)) {
    return NIBBLE_ERROR(kTruncated, "model header declares %u bytes of metadata but the file has %llu", fb_size,
                        static_cast<unsigned long long>(size));
  }
  if (!flatbuffers::BufferHasIdentifier(base, fb::ModelIdentifier(), /*size_prefixed=*/true)) {
    return NIBBLE_ERROR(kBadIdentifier, "not a nibble model (identifier is not \"%s\")", kFileIdentifier);
  }
  // Depth and table caps keep a hostile file from making the Verifier
  // itself slow.
  flatbuffers::Verifier verifier(base, kSizePrefixBytes + fb_size, /*max_depth=*/64,
                                 /*max_tables=*/4 * 1000 * 1000);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) {
    return NIBBLE_ERROR(kMalformed, "model metadata fails FlatBuffers verification");
  }
  impl->root = fb::GetSizePrefixedModel(base);
  if (impl->root->format_version() != kFormatVersion) {
    return NIBBLE_ERROR(kUnsupportedVersion, "model format version %u; this runtime reads version %u",
                        impl->root->format_version(), kFormatVersion);
  }
  const uint64_t data_offset = data_region_offset(fb_size);
  const uint64_t data_size = impl->root->data_size();
  if (!range_within(data_offset, data_size, size)) {
    return NIBBLE_ERROR(kTruncated, "data region [%llu, +%llu) extends past the end of the %llu-byte file",
                        static_cast<unsigned long long>(data_offset), static_cast<unsigned long long>(data_size),
                        static_cast<unsigned long long>(size));
  }
  impl->base = base;
  impl->size = size;
  impl->data_region = base + data_offset;
  impl->data_size = data_size;
  return Status::ok();
}

Status verify_segments(const Model::Impl* impl) {
  const auto* segments = impl->root->segments();
  if (segments == nullptr) return Status::ok();
  uint64_t previous_end = 0;
  for (uint32_t i = 0; i < segments->size(); ++i) {
    const fb::Segment* s = segments->Get(i);
    if (s->offset() % kSegmentAlignment != 0) {
      return NIBBLE_ERROR(kMisaligned, "segment %u offset %llu is not %llu-byte aligned", i,
                          static_cast<unsigned long long>(s->offset()),
                          static_cast<unsigned long long>(kSegmentAlignment));
    }
    if (!range_within(s->offset(), s->size(), impl->data_size)) {
      return NIBBLE_ERROR(kOutOfRange, "segment %u [%llu, +%llu) lies outside the %llu-byte data region", i,
                          static_cast<unsigned long long>(s->offset()), static_cast<unsigned long long>(s->size()),
                          static_cast<unsigned long long>(impl->data_size));
    }
    // Segments are written in ascending order; requiring it makes the
    // overlap check linear.
    if (s->offset() < previous_end) {
      return NIBBLE_ERROR(kMalformed, "segment %u overlaps or precedes segment %u", i, i - 1);
    }
    previous_end = s->offset() + s->size();  // both inside data_size: no overflow
  }
  return Status::ok();
}

Status verify_tensors(Model::Impl* impl) {
  const auto* tensors = impl->root->tensors();
  const uint32_t n = tensors == nullptr ? 0 : tensors->size();
  if (n > kMaxTensors) return NIBBLE_ERROR(kOutOfRange, "model declares %u tensors (limit %u)", n, kMaxTensors);
  impl->tensors = allocate_array<TensorDesc>(impl->allocator, n);
  if (impl->tensors == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for %u tensor descriptors", n);
  impl->num_tensors = n;
  const auto* segments = impl->root->segments();
  const uint32_t num_segments = segments == nullptr ? 0 : segments->size();
  uint32_t encoded = 0;
  uint64_t table_floats = 0;
  for (uint32_t i = 0; i < n; ++i) {
    // The Verifier accepts a union type whose value is absent (it verifies
    // a null table as valid); every codec_as_X() below would then be null.
    const fb::Tensor* t = tensors->Get(i);
    if (t->codec_type() != fb::Codec::NONE && t->codec() == nullptr) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': codec type %d but no codec table", i,
                          t->name() != nullptr ? t->name()->c_str() : "", static_cast<int>(t->codec_type()));
    }
    encoded += is_encoded(t) ? 1 : 0;
    table_floats += derived_table_floats(t);  // <= 2^15 tensors x 512
  }
  if (encoded > 0) {
    impl->packed = allocate_array<codec::PackedWeights>(impl->allocator, encoded);
    if (impl->packed == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for %u codec descriptors", encoded);
  }
  if (table_floats > 0) {
    impl->derived_tables = allocate_array<float>(impl->allocator, static_cast<size_t>(table_floats));
    if (impl->derived_tables == nullptr) {
      return NIBBLE_ERROR(kOutOfMemory, "no memory for %llu code table entries",
                          static_cast<unsigned long long>(table_floats));
    }
  }
  uint64_t tables_used = 0;

  for (uint32_t i = 0; i < n; ++i) {
    const fb::Tensor* t = tensors->Get(i);
    TensorDesc& d = impl->tensors[i];
    d.name = t->name() != nullptr ? t->name()->c_str() : "";
    const auto* shape = t->shape();
    if (!elements_aligned(shape)) {
      return NIBBLE_ERROR(kMisaligned, "tensor %u '%s': shape vector is not 8-byte aligned", i, d.name);
    }
    const uint32_t rank = shape == nullptr ? 0 : shape->size();
    if (rank > static_cast<uint32_t>(kMaxRank)) {
      return NIBBLE_ERROR(kOutOfRange, "tensor %u '%s' has rank %u (limit %d)", i, d.name, rank, kMaxRank);
    }
    d.rank = static_cast<int32_t>(rank);
    for (uint32_t k = 0; k < rank; ++k) d.dims[k] = shape->Get(k);
    const uint64_t limit = static_cast<uint64_t>(INT64_MAX) / sizeof(float);
    if (!checked_element_count(d.dims, d.rank, limit, &d.numel)) {
      return NIBBLE_ERROR(kOverflow, "tensor %u '%s': a dimension is negative or the element count overflows", i,
                          d.name);
    }
    d.bytes = d.numel * sizeof(float);  // F32 and I32 alike
    d.is_int32 = t->type() == fb::ElementType::I32;
    d.sequence = t->sequence();
    if (t->type() != fb::ElementType::F32 && !(d.is_int32 && t->segment() < 0)) {
      return NIBBLE_ERROR(kUnsupported,
                          "tensor %u '%s': element type %d is not supported by this runtime (F32, or I32 for "
                          "token-id inputs)",
                          i, d.name, static_cast<int>(t->type()));
    }
    if (d.sequence && (t->segment() >= 0 || d.rank < 1)) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': only activations of rank >= 1 have a sequence axis", i,
                          d.name);
    }
    const int32_t segment = t->segment();
    if (segment < -1 || segment >= static_cast<int64_t>(num_segments)) {
      return NIBBLE_ERROR(kOutOfRange, "tensor %u '%s': segment %d out of range (%u segments)", i, d.name, segment,
                          num_segments);
    }
    if (is_encoded(t)) {
      if (segment < 0) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s' has a codec but no segment (only constants are encoded)", i,
                            d.name);
      }
      const fb::Segment* s = segments->Get(static_cast<uint32_t>(segment));
      codec::PackedWeights* w = &impl->packed[impl->num_packed];
      float* table = derived_table_floats(t) > 0 ? impl->derived_tables + tables_used : nullptr;
      tables_used += derived_table_floats(t);
      NIBBLE_RETURN_IF_ERROR(verify_encoded_tensor(t, i, d, impl->data_region + s->offset(), s->size(), table, w));
      ++impl->num_packed;
      d.packed = w;
      d.constant_data = reinterpret_cast<const float*>(impl->data_region + s->offset());
      impl->weight_bytes += s->size();
    } else if (segment >= 0) {
      const fb::Segment* s = segments->Get(static_cast<uint32_t>(segment));
      if (s->size() != d.bytes) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': segment %d holds %llu bytes, shape needs %llu", i, d.name,
                            segment, static_cast<unsigned long long>(s->size()),
                            static_cast<unsigned long long>(d.bytes));
      }
      d.constant_data = reinterpret_cast<const float*>(impl->data_region + s->offset());
      impl->weight_bytes += d.bytes;
    }
  }
  return Status::ok();
}

Status verify_graph_io(const flatbuffers::Vector<int32_t>* list, const char* what, Model::Impl* impl,
                       uint32_t* count, int32_t** out) {
  const uint32_t n = list == nullptr ? 0 : list->size();
  if (n == 0) return NIBBLE_ERROR(kMalformed, "model has no graph %ss", what);
  if (n > kMaxGraphIO) return NIBBLE_ERROR(kOutOfRange, "model declares %u graph %ss (limit %u)", n, what, kMaxGraphIO);
  *out = allocate_array<int32_t>(impl->allocator, n);
  if (*out == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for graph %ss", what);
  *count = n;
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t index = list->Get(i);
    if (index < 0 || static_cast<uint32_t>(index) >= impl->num_tensors) {
      return NIBBLE_ERROR(kOutOfRange, "graph %s %u: tensor index %d out of range (%u tensors)", what, i, index,
                          impl->num_tensors);
    }
    if (impl->tensors[index].constant_data != nullptr) {
      return NIBBLE_ERROR(kMalformed, "graph %s %u: tensor '%s' is a constant", what, i, impl->tensors[index].name);
    }
    (*out)[i] = index;
  }
  return Status::ok();
}

// Execution order is file order. Every activation an op reads must be a
// graph input or written by an earlier op, and is written at most once:
// this rejects cycles without walking the graph.
Status verify_dataflow(Model::Impl* impl, TensorLifetime* lifetimes) {
  const uint32_t n = impl->num_tensors;
  const int32_t kUnwritten = INT32_MIN;
  for (uint32_t i = 0; i < n; ++i) {
    lifetimes[i].size_bytes = impl->tensors[i].constant_data != nullptr ? 0 : impl->tensors[i].bytes;
    lifetimes[i].first_op = kUnwritten;
    lifetimes[i].last_op = kUnwritten;
  }
  for (uint32_t i = 0; i < impl->num_inputs; ++i) lifetimes[impl->inputs[i]].first_op = -1;
  for (uint32_t op = 0; op < impl->num_ops; ++op) {
    const OpDesc& d = impl->ops[op];
    for (int32_t k = 0; k < d.num_inputs; ++k) {
      const int32_t t = d.inputs[k];
      if (impl->tensors[t].constant_data != nullptr) continue;
      if (lifetimes[t].first_op == kUnwritten) {
        return NIBBLE_ERROR(kMalformed, "op %u '%s' reads tensor '%s' before any op writes it (cycle or bad order)",
                            op, d.name, impl->tensors[t].name);
      }
      lifetimes[t].last_op = static_cast<int32_t>(op);
    }
    for (int32_t k = 0; k < d.num_outputs; ++k) {
      const int32_t t = d.outputs[k];
      if (impl->tensors[t].constant_data != nullptr) {
        return NIBBLE_ERROR(kMalformed, "op %u '%s' writes constant tensor '%s'", op, d.name, impl->tensors[t].name);
      }
      if (lifetimes[t].first_op != kUnwritten) {
        return NIBBLE_ERROR(kMalformed, "op %u '%s' writes tensor '%s', which is already written", op, d.name,
                            impl->tensors[t].name);
      }
      lifetimes[t].first_op = static_cast<int32_t>(op);
      lifetimes[t].last_op = static_cast<int32_t>(op);
    }
  }
  for (uint32_t i = 0; i < impl->num_outputs; ++i) {
    const int32_t t = impl->outputs[i];
    if (lifetimes[t].first_op == kUnwritten) {
      return NIBBLE_ERROR(kMalformed, "graph output '%s' is never written", impl->tensors[t].name);
    }
    lifetimes[t].last_op = static_cast<int32_t>(impl->num_ops);
  }
  // Inputs no op reads still need a place to be written to.
  for (uint32_t i = 0; i < n; ++i) {
    if (lifetimes[i].first_op == kUnwritten) {
      lifetimes[i].size_bytes = 0;
      lifetimes[i].first_op = lifetimes[i].last_op = 0;
    } else if (lifetimes[i].last_op == kUnwritten || lifetimes[i].last_op < lifetimes[i].first_op) {
      lifetimes[i].last_op = lifetimes[i].first_op < 0 ? 0 : lifetimes[i].first_op;
    }
  }
  for (uint32_t i = 0; i < impl->num_inputs; ++i) {
    // A graph input is never freed before its first reader.
    if (lifetimes[impl->inputs[i]].last_op < 0) lifetimes[impl->inputs[i]].last_op = 0;
  }
  return Status::ok();
}

Status verify_memory_plan(Model::Impl* impl, const TensorLifetime* lifetimes) {
  const uint32_t n = impl->num_tensors;
  uint64_t* offsets = allocate_array<uint64_t>(impl->allocator, n);
  if (offsets == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for the memory plan");
  Status status;
  const fb::MemoryPlan* plan = impl->root->plan();
  if (plan != nullptr && plan->offsets() != nullptr) {
    if (!elements_aligned(plan->offsets())) {
      status = NIBBLE_ERROR(kMisaligned, "memory plan offsets vector is not 8-byte aligned");
    } else if (plan->offsets()->size() != n) {
      status = NIBBLE_ERROR(kMalformed, "memory plan has %u offsets for %u tensors", plan->offsets()->size(), n);
    } else {
      for (uint32_t i = 0; i < n; ++i) offsets[i] = plan->offsets()->Get(i);
      impl->arena_bytes = plan->arena_bytes();
      status = check_memory_plan(lifetimes, n, offsets, impl->arena_bytes);
    }
  } else {
    const size_t scratch_bytes = memory_planner_scratch_bytes(n);
    void* scratch = allocate_array<uint8_t>(impl->allocator, scratch_bytes);
    if (scratch == nullptr) {
      status = NIBBLE_ERROR(kOutOfMemory, "no memory to plan activations");
    } else {
      status = plan_memory(lifetimes, n, offsets, &impl->arena_bytes, scratch, scratch_bytes);
      free_array(impl->allocator, scratch);
    }
  }
  if (status.is_ok()) {
    // Size the arena by what the plan uses, not by what the file claims:
    // a file cannot make a session allocate more than its tensors need.
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; ++i) {
      // A tensor that takes no arena bytes (no elements, or never
      // written) has an unchecked offset: place it at 0, else
      // arena + offset may wrap the pointer (found by fuzz_model_loader).
      impl->tensors[i].arena_offset = lifetimes[i].size_bytes == 0 ? 0 : offsets[i];
      if (lifetimes[i].size_bytes == 0) continue;
      uint64_t end = 0;  // offset + size is inside the checked arena
      if (!checked_align_up(offsets[i] + lifetimes[i].size_bytes, kSegmentAlignment, &end)) {
        status = NIBBLE_ERROR(kOverflow, "memory plan: tensor %u ends past 2^64", i);
        break;
      }
      if (end > used) used = end;
    }
    impl->arena_bytes = used;
  }
  free_array(impl->allocator, offsets);
  return status;
}

}  // namespace

Status verify_model(const uint8_t* base, uint64_t size, Model::Impl* impl) {
  NIBBLE_RETURN_IF_ERROR(verify_envelope(base, size, impl));
  NIBBLE_RETURN_IF_ERROR(verify_segments(impl));
  NIBBLE_RETURN_IF_ERROR(verify_tensors(impl));
  NIBBLE_RETURN_IF_ERROR(parse_operators(impl));
  NIBBLE_RETURN_IF_ERROR(verify_graph_io(impl->root->inputs(), "input", impl, &impl->num_inputs, &impl->inputs));
  NIBBLE_RETURN_IF_ERROR(verify_graph_io(impl->root->outputs(), "output", impl, &impl->num_outputs, &impl->outputs));
  NIBBLE_RETURN_IF_ERROR(verify_graph_rules(impl));
  // The embedded vocabulary (optional) is independent of the graph.
  NIBBLE_RETURN_IF_ERROR(verify_tokenizer(impl->root->tokenizer()));
  TensorLifetime* lifetimes = allocate_array<TensorLifetime>(impl->allocator, impl->num_tensors);
  if (lifetimes == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for tensor lifetimes");
  Status status = verify_dataflow(impl, lifetimes);
  if (status.is_ok()) status = verify_memory_plan(impl, lifetimes);
  free_array(impl->allocator, lifetimes);
  return status;
}

// Reverse order of allocation (tensors, ops, inputs, outputs), so a
// stack-like allocator (nibble/arena_allocator.h) takes everything back.
void destroy_model_tables(Model::Impl* impl) {
  free_array(impl->allocator, impl->outputs);
  free_array(impl->allocator, impl->inputs);
  free_array(impl->allocator, impl->ops);
  free_array(impl->allocator, impl->derived_tables);
  free_array(impl->allocator, impl->packed);
  free_array(impl->allocator, impl->tensors);
  impl->packed = nullptr;
  impl->derived_tables = nullptr;
  impl->num_packed = 0;
  impl->tensors = nullptr;
  impl->ops = nullptr;
  impl->inputs = nullptr;
  impl->outputs = nullptr;
}

}  // namespace nibble
