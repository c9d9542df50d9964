// The load path both model fuzz targets drive: an aligned copy of the
// bytes (the loader requires 64-byte alignment; libFuzzer's buffers have
// none), Model::from_buffer, sessions on the reference and default
// backends, and one run when the model is small enough to keep the
// target fast. Any crash, leak or sanitizer report below is a finding;
// error statuses are the expected outcome for most inputs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nibble::fuzz {

// Bytes in a 64-byte-aligned heap block, freed on destruction.
class AlignedBytes {
 public:
  AlignedBytes(const uint8_t* data, size_t size);
  ~AlignedBytes();
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

void exercise_model(const uint8_t* data, size_t size);

}  // namespace nibble::fuzz
