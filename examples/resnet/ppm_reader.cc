#include "resnet/ppm_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace nibble::examples {
namespace {

// Next header integer, skipping whitespace and '#' comments.
int read_header_int(std::istream& in, const std::string& path) {
  int c = in.get();
  while (c != EOF && (std::isspace(c) || c == '#')) {
    if (c == '#') {
      while (c != EOF && c != '\n') c = in.get();
    }
    c = in.get();
  }
  long value = 0;
  int digits = 0;
  while (c != EOF && std::isdigit(c)) {
    value = value * 10 + (c - '0');
    if (value > 1 << 20) throw std::runtime_error(path + ": PPM header value too large");
    ++digits;
    c = in.get();
  }
  if (digits == 0) throw std::runtime_error(path + ": malformed PPM header");
  return static_cast<int>(value);  // the single whitespace after it is consumed
}

}  // namespace

RgbImage read_ppm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (magic[0] != 'P' || magic[1] != '6') throw std::runtime_error(path + ": not a binary PPM (P6) file");
  RgbImage image;
  image.width = read_header_int(in, path);
  image.height = read_header_int(in, path);
  const int maxval = read_header_int(in, path);
  if (image.width <= 0 || image.height <= 0 || maxval != 255) {
    throw std::runtime_error(path + ": unsupported PPM (need width, height > 0 and maxval 255)");
  }
  image.rgb.resize(static_cast<size_t>(image.width) * image.height * 3);
  in.read(reinterpret_cast<char*>(image.rgb.data()), static_cast<std::streamsize>(image.rgb.size()));
  if (static_cast<size_t>(in.gcount()) != image.rgb.size()) throw std::runtime_error(path + ": truncated PPM pixel data");
  return image;
}

std::vector<uint8_t> to_planes(const RgbImage& image, int out_h, int out_w) {
  std::vector<uint8_t> planes(static_cast<size_t>(3) * out_h * out_w);
  const float sy = static_cast<float>(image.height) / out_h;
  const float sx = static_cast<float>(image.width) / out_w;
  for (int y = 0; y < out_h; ++y) {
    const float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    const int y0 = std::min(static_cast<int>(fy), image.height - 1);
    const int y1 = std::min(y0 + 1, image.height - 1);
    const float wy = fy - y0;
    for (int x = 0; x < out_w; ++x) {
      const float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      const int x0 = std::min(static_cast<int>(fx), image.width - 1);
      const int x1 = std::min(x0 + 1, image.width - 1);
      const float wx = fx - x0;
      for (int c = 0; c < 3; ++c) {
        auto px = [&](int yy, int xx) { return static_cast<float>(image.rgb[(static_cast<size_t>(yy) * image.width + xx) * 3 + c]); };
        const float v = (1 - wy) * ((1 - wx) * px(y0, x0) + wx * px(y0, x1)) + wy * ((1 - wx) * px(y1, x0) + wx * px(y1, x1));
        planes[static_cast<size_t>(c) * out_h * out_w + static_cast<size_t>(y) * out_w + x] =
            static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 255.0f)));
      }
    }
  }
  return planes;
}

}  // namespace nibble::examples
