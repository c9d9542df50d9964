// SHA-256 (FIPS 180-4), for the source-model digest in the metadata.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace nibble::convert {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::array<uint8_t, 32> finish();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lower-case hex digest of bytes.
std::string sha256_hex(const std::string& bytes);

}  // namespace nibble::convert
