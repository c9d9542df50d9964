// Which int8-activation kernel runs: the highest level <= the one asked
// for whose file has a kernel for the weight's plan (gemv_q8_kernels.h on
// x86-64, gemv_q8_neon.h on AArch64), else the scalar reference.
#include "cpu/cpu_features.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_kernels.h"
#include "gemv/gemv_q8_plan.h"

#if NIBBLE_GEMV_NEON_KERNELS
#include "gemv/gemv_q8_neon.h"
#endif

namespace nibble::gemv {
namespace {

#if NIBBLE_GEMV_X86_KERNELS
// The VNNI file also uses VBMI (vpermb, vpmultishiftqb), which every VNNI
// CPU but Cascade Lake / Cooper Lake has; those run the AVX-512 kernels.
bool has_vbmi() { return cpu_features().avx512vbmi; }
#endif

Q8Kernel kernel_for(Isa isa, const Q8Plan& plan) {
  if (plan.shape == Q8Shape::kUnsupported) return nullptr;
#if NIBBLE_GEMV_X86_KERNELS
  Q8Kernel k = nullptr;
  if (isa == Isa::kAvx512Vnni && has_vbmi() && isa_available(Isa::kAvx512Vnni)) k = avx512vnni_q8_kernel(plan);
  if (k == nullptr && isa_le(Isa::kAvx512, isa) && isa_available(Isa::kAvx512)) k = avx512_q8_kernel(plan);
  if (k == nullptr && isa_le(Isa::kAvx2, isa) && isa_available(Isa::kAvx2)) k = avx2_q8_kernel(plan);
  return k;
#else
  (void)isa;
  return nullptr;
#endif
}

}  // namespace

bool has_q8_kernel(Isa isa, const codec::PackedWeights& w) {
#if NIBBLE_GEMV_NEON_KERNELS
  if (has_q8_neon_kernel(isa, w)) return true;
#endif
  return kernel_for(isa, make_q8_plan(w)) != nullptr;
}

bool gemv_q8_on(Isa isa, const codec::PackedWeights& w, const Q8Activations& x, const float* bias, float* y,
                int64_t row_begin, int64_t row_end) {
  if (!isa_available(isa)) return false;
  if (row_begin >= row_end) return true;
#if NIBBLE_GEMV_NEON_KERNELS
  if (gemv_q8_neon(isa, w, x, bias, y, row_begin, row_end)) return true;
#endif
  const Q8Plan plan = make_q8_plan(w);
  const Q8Kernel k = kernel_for(isa, plan);
  if (k != nullptr) {
    k(plan, w, x, bias, y, row_begin, row_end);
  } else {
    gemv_q8_reference(w, x, bias, y, row_begin, row_end);
  }
  return true;
}

}  // namespace nibble::gemv
