// The Armv8.0 Neon int8-activation kernel and the choice between the Neon
// levels (gemv_q8_neon.h). Without SDOT, 32 int8 products take two
// widening multiplies per 16 (vmull_s8 + vmlal_high_s8 into int16: two
// products of |w| <= 128, |q| <= 127 fit, 2 * 16256 < 32768) and a
// pairwise widening add into int32 (vpaddlq_s16 / vpadalq_s16).
#include "gemv/gemv_q8_neon.h"

#include "gemv/gemv_q8_neon_rows.h"

namespace nibble::gemv {
namespace {

struct WideningDot {
  static int32x4_t dot32(int8x16_t w0, int8x16_t w1, int8x16_t q0, int8x16_t q1) {
    const int16x8_t p0 = vmlal_high_s8(vmull_s8(vget_low_s8(w0), vget_low_s8(q0)), w0, q0);
    const int16x8_t p1 = vmlal_high_s8(vmull_s8(vget_low_s8(w1), vget_low_s8(q1)), w1, q1);
    return vpadalq_s16(vpaddlq_s16(p0), p1);
  }
};

constexpr Isa kNeonLevels[] = {Isa::kNeonDot, Isa::kNeon};  // best first

}  // namespace

void gemv_q8_neon_kernel(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                         const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  q8_neon_run<WideningDot>(plan, w, x, bias, y, row_begin, row_end);
}

Isa q8_neon_level(Isa isa, const codec::PackedWeights& w) {
  if (make_q8_neon_plan(w).shape == Q8NeonShape::kUnsupported) return Isa::kScalar;
  for (const Isa level : kNeonLevels) {
    if (isa_le(level, isa) && isa_available(level)) return level;
  }
  return Isa::kScalar;
}

bool gemv_q8_neon(Isa isa, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                  int64_t row_begin, int64_t row_end) {
  const Isa level = q8_neon_level(isa, w);
  if (level == Isa::kScalar) return false;
  if (row_begin >= row_end) return true;
  const Q8NeonPlan plan = make_q8_neon_plan(w);
  if (level == Isa::kNeonDot) {
    gemv_q8_neondot_kernel(plan, w, x, bias, y, row_begin, row_end);
  } else {
    gemv_q8_neon_kernel(plan, w, x, bias, y, row_begin, row_end);
  }
  return true;
}

}  // namespace nibble::gemv
