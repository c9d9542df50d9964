// Binary PPM (P6, maxval 255) images, resized to the model's input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::examples {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // interleaved, row-major
};

// Throws std::runtime_error naming the file on anything but a valid P6.
RgbImage read_ppm(const std::string& path);

// Bilinear resize to side x side and split into R, G, B planes (CHW).
std::vector<uint8_t> to_planes(const RgbImage& image, int side_h, int side_w);

}  // namespace nibble::examples
