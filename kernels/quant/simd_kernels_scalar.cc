// The scalar table: the reference the SIMD tables are tested against, and
// the kernels of CPUs without them (and of freestanding builds).
#include <cmath>

#include "quant/element_math.h"
#include "quant/simd_kernels.h"

namespace nibble::quant {
namespace {

template <typename Code>
void quantize(const float* in, size_t n, Code* out, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
              bool /*stream*/) {
  const QuantizeParams<float> p =
      make_quantize_params<float>(scale, zero_point, qmin, static_cast<uint64_t>(qmax), RoundMode::kNearest, 0);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<Code>(quantize_one<float, true>(in[i], p, i));
}

template <typename Code>
void dequantize(const Code* in, size_t n, float* out, float scale, int32_t zero_point, bool add, bool /*stream*/) {
  if (add) {
    for (size_t i = 0; i < n; ++i) {
      const float value = dequantize_one<float>(in[i], zero_point, scale);
      out[i] += value;
    }
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = dequantize_one<float>(in[i], zero_point, scale);
  }
}

template <typename F>
MinMax<F> minmax(const F* x, size_t n) {
  MinMax<F> r{INFINITY, -INFINITY, false};
  for (size_t i = 0; i < n; ++i) {
    const F v = x[i];
    if (v != v) {
      r.has_nan = true;
    } else {
      r.min = v < r.min ? v : r.min;
      r.max = v > r.max ? v : r.max;
    }
  }
  return r;
}

}  // namespace

const SimdKernels& scalar_kernels() {
  static constexpr SimdKernels kKernels = {"scalar",           quantize<uint8_t>, quantize<int8_t>, dequantize<uint8_t>,
                                           dequantize<int8_t>, minmax<float>,     minmax<double>};
  return kKernels;
}

}  // namespace nibble::quant
