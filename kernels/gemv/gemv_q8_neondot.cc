// The Armv8.2 dot-product int8-activation kernel (gemv_q8_neon.h). This
// file alone is compiled with -march=armv8.2-a+dotprod, and it runs only
// where cpu_features() reports dotprod (gemv_q8_neon.cc chooses). SDOT
// sums four int8 products into each int32 lane: 32 products are two SDOTs.
#include "gemv/gemv_q8_neon_rows.h"

namespace nibble::gemv {
namespace {

struct SdotDot {
  static int32x4_t dot32(int8x16_t w0, int8x16_t w1, int8x16_t q0, int8x16_t q1) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, q0), w1, q1);
  }
};

}  // namespace

void gemv_q8_neondot_kernel(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                            const float* bias, float* y, int64_t row_begin, int64_t row_end) {
  q8_neon_run<SdotDot>(plan, w, x, bias, y, row_begin, row_end);
}

}  // namespace nibble::gemv
