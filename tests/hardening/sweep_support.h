// What every sweep does with one corrupted image: load it, and if it
// loads, create sessions and run them. Any outcome but a crash (or a
// sanitizer report) passes; the counts say how deep the inputs reached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace nibble::testing {

// NIBBLE_SWEEP_STRIDE (default 1): sweeps test every stride-th point.
// The aarch64 test presets (qemu, ~50-100x slower) and asan raise it.
uint64_t sweep_stride();

// A buffer of exactly `size` bytes (no slack: ASan sees any read past
// the end), 64-byte aligned plus `shift` bytes.
struct ExactBuffer {
  ExactBuffer(size_t size, size_t shift = 0);
  uint8_t* data() const { return base_.get() + shift_; }
  std::unique_ptr<uint8_t, void (*)(void*)> base_;
  size_t shift_;
};

struct Outcomes {
  uint64_t attempts = 0;
  uint64_t loaded = 0;    // Model::from_buffer succeeded
  uint64_t sessions = 0;  // of those tried, Session::create succeeded (per backend)
  uint64_t runs = 0;      // of those, run() succeeded
};

// Loads data[0, size); with `sessions`, then creates a session on the
// reference and on the default (XNNPACK + fused) backend, fills the inputs
// and runs each once. Returns whether the model loaded.
bool exercise(const uint8_t* data, size_t size, bool sessions, Outcomes* out);

}  // namespace nibble::testing
