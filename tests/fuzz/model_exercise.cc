#include "model_exercise.h"

#include <cstdlib>
#include <cstring>

#include "nibble/nibble.hpp"

namespace nibble::fuzz {
namespace {

// A run of anything larger (ResNet-20: ~1 MiB of activations) costs tens
// of milliseconds under ASan and would cut the exec rate by 100x; sessions
// are still created for every model, so their per-op checks are fuzzed.
constexpr uint64_t kMaxRunArenaBytes = 64 * 1024;
constexpr uint64_t kMaxRunWeightBytes = 256 * 1024;

// The model and sessions allocate through this: a device with 256 MiB to
// give. Activation sizes come from the file's shapes and are not bounded
// by its size (a 1 KiB file may declare a [2^40] activation), so the
// runtime's contract there is a kOutOfMemory status when the allocator
// says no, and that path is what gets fuzzed. Without the cap, ASan
// reports any request above 1 TiB as an error instead of failing it, and
// smaller huge arenas would be zeroed page by page up to the RSS limit.
constexpr size_t kMaxAllocationBytes = size_t{256} << 20;

void* capped_allocate(void*, size_t bytes, size_t alignment) {
  if (bytes > kMaxAllocationBytes) return nullptr;
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}

void capped_deallocate(void*, void* p) { std::free(p); }

const Allocator kCappedAllocator = {capped_allocate, capped_deallocate, nullptr};

void create_and_maybe_run(const Model& model, Backend backend) {
  SessionOptions options;
  options.backend = backend;
  options.allocator = &kCappedAllocator;
  Result<Session> session = Session::create(model, options);
  if (!session.is_ok()) return;
  if (model.arena_bytes() > kMaxRunArenaBytes || model.weight_bytes() > kMaxRunWeightBytes) return;
  Session& s = session.value();
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    // Zero inputs: a valid token id (0) and a finite float alike.
    float* in = s.input_data(i);
    if (in != nullptr) std::memset(in, 0, model.input(i).numel * sizeof(float));
  }
  (void)s.run();
}

}  // namespace

AlignedBytes::AlignedBytes(const uint8_t* data, size_t size) : size_(size) {
  // aligned_alloc wants a multiple of the alignment; one byte at least so
  // that an empty input still gets a non-null base.
  size_t rounded = (size + 64) / 64 * 64;
  data_ = static_cast<uint8_t*>(std::aligned_alloc(64, rounded));
  if (size != 0) std::memcpy(data_, data, size);
}

AlignedBytes::~AlignedBytes() { std::free(data_); }

void exercise_model(const uint8_t* data, size_t size) {
  AlignedBytes copy(data, size);
  Result<Model> model = Model::from_buffer(copy.data(), copy.size(), &kCappedAllocator);
  if (!model.is_ok()) return;
  const Model& m = model.value();
  // The accessors read what the loader accepted: touch them all.
  for (size_t i = 0; i < m.num_inputs(); ++i) (void)m.input(i);
  for (size_t i = 0; i < m.num_outputs(); ++i) (void)m.output(i);
  (void)m.metadata("producer");
  create_and_maybe_run(m, Backend::kReference);
  create_and_maybe_run(m, Backend::kDefault);
}

}  // namespace nibble::fuzz
