// CIFAR-10 binary records (the official format): 1 label byte, then 3072
// bytes: the R, G and B planes of a 32x32 image, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::examples {

constexpr int kCifarSide = 32;
constexpr size_t kCifarPixels = kCifarSide * kCifarSide;
constexpr size_t kCifarRecordBytes = 1 + 3 * kCifarPixels;

struct CifarImage {
  uint8_t label;
  const uint8_t* planes;  // 3 x 32 x 32, CHW
};

struct CifarFile {
  std::vector<uint8_t> bytes;
  size_t count() const { return bytes.size() / kCifarRecordBytes; }
  CifarImage image(size_t i) const {
    const uint8_t* r = bytes.data() + i * kCifarRecordBytes;
    return CifarImage{r[0], r + 1};
  }
};

// Throws std::runtime_error naming the file if it cannot be read or its
// size is not a whole number of records, or a label is not 0..9.
CifarFile read_cifar(const std::string& path);

// x = (pixel / 255 - mean[c]) / std[c], written CHW into out (3 * 32 * 32).
void normalize_chw(const uint8_t* planes, size_t pixels_per_plane, float* out);

}  // namespace nibble::examples
