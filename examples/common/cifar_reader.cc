#include "common/cifar_reader.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace nibble::examples {

namespace {
// ImageNet statistics, which the shipped CIFAR models were trained with.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};
}  // namespace

CifarFile read_cifar(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  CifarFile file;
  file.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (file.bytes.empty() || file.bytes.size() % kCifarRecordBytes != 0) {
    throw std::runtime_error(path + ": " + std::to_string(file.bytes.size()) +
                             " bytes is not a whole number of 3073-byte CIFAR-10 records");
  }
  for (size_t i = 0; i < file.count(); ++i) {
    if (file.image(i).label > 9) {
      throw std::runtime_error(path + ": record " + std::to_string(i) + " has label " +
                               std::to_string(file.image(i).label) + " (expected 0..9)");
    }
  }
  return file;
}

void normalize_chw(const uint8_t* planes, size_t pixels_per_plane, float* out) {
  for (int c = 0; c < 3; ++c) {
    for (size_t i = 0; i < pixels_per_plane; ++i) {
      const size_t k = c * pixels_per_plane + i;
      out[k] = (planes[k] / 255.0f - kMean[c]) / kStd[c];
    }
  }
}

}  // namespace nibble::examples
