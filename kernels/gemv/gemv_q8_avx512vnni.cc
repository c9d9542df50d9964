// AVX-512 VNNI int8-activation kernels: vpdpbusd dot products, and VBMI's
// vpermb + vpmultishiftqb to unpack codes of any width in column order
// (gemv_q8_avx512_body.h). Compiled with AVX-512 F/BW/VL + VNNI + VBMI;
// used only on CPUs with both VNNI and VBMI (gemv_q8_dispatch.cc: every
// VNNI CPU but Cascade/Cooper Lake, which run the AVX-512 kernels).
#define NIBBLE_Q8_VNNI 1
#include "gemv/gemv_q8_avx512_body.h"

namespace nibble::gemv {

Q8Kernel avx512vnni_q8_kernel(const Q8Plan& plan) { return select_kernel(plan); }

}  // namespace nibble::gemv
