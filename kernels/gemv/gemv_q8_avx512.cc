// AVX-512 (F, BW, VL) int8-activation kernels: vpmaddubsw + vpmaddwd dot
// products (gemv_q8_avx512_body.h). Compiled with -mavx512f -mavx512bw
// -mavx512vl (and AVX2/FMA/F16C); used only on CPUs that have them.
#define NIBBLE_Q8_VNNI 0
#include "gemv/gemv_q8_avx512_body.h"

namespace nibble::gemv {

Q8Kernel avx512_q8_kernel(const Q8Plan& plan) { return select_kernel(plan); }

}  // namespace nibble::gemv
