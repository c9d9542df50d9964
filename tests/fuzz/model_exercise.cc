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

void create_and_maybe_run(const Model& model, Backend backend) {
  SessionOptions options;
  options.backend = backend;
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
  Result<Model> model = Model::from_buffer(copy.data(), copy.size());
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
