#include "codec/scale_storage.h"

#include <cmath>
#include <cstring>

#include "codec/half.h"

namespace nibble::codec {

uint32_t scale_size(ScaleType type) {
  switch (type) {
    case ScaleType::kF32: return 4;
    case ScaleType::kF16: return 2;
    case ScaleType::kE8: return 1;
  }
  return 0;
}

uint8_t e8_code(float s) {
  if (!(s > 0.0f)) return 0;  // NaN, zero, negative: the smallest step
  const double c = std::nearbyint(8.0 * std::log2(static_cast<double>(s))) + 128.0;
  return static_cast<uint8_t>(c < 0.0 ? 0.0 : (c > 255.0 ? 255.0 : c));
}

float e8_value(uint8_t code) {
  // Exact in double, rounded once to float: the same on every platform.
  return static_cast<float>(std::exp2((static_cast<int>(code) - 128) / 8.0));
}

float stored_scale_value(float s, ScaleType type) {
  switch (type) {
    case ScaleType::kF32: return s;
    case ScaleType::kF16: return f16_to_f32(f32_to_f16(s));
    case ScaleType::kE8: return e8_value(e8_code(s));
  }
  return s;
}

void store_scale(float s, ScaleType type, uint8_t* p) {
  switch (type) {
    case ScaleType::kF32: std::memcpy(p, &s, 4); return;  // little-endian hosts only (as the whole format)
    case ScaleType::kF16: {
      const uint16_t h = f32_to_f16(s);
      p[0] = static_cast<uint8_t>(h & 0xff);
      p[1] = static_cast<uint8_t>(h >> 8);
      return;
    }
    case ScaleType::kE8: *p = e8_code(s); return;
  }
}

float load_scale(const uint8_t* p, ScaleType type) {
  switch (type) {
    case ScaleType::kF32: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case ScaleType::kF16: return f16_to_f32(static_cast<uint16_t>(p[0] | (p[1] << 8)));
    case ScaleType::kE8: return e8_value(*p);
  }
  return 0.0f;
}

}  // namespace nibble::codec
