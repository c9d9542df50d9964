// The AVX-512 Conv2d kernels (conv2d_avx512.cc, depthwise_avx512.cc), one
// task's range each.
#pragma once

#include "conv/conv2d.h"

namespace nibble::conv::detail {

#if NIBBLE_GEMM_X86_KERNELS
void avx512_igemm(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                  float* y, const TaskRange& t);
// Groups with <= 64 input channels and more than one tap
// (conv2d_taps_avx512.cc): several whole taps per reduction pass; image,
// oy0, ox0 are avx512_igemm's per-pixel origins (indexed from t.p0).
bool taps_kernel_fits(const Geometry& g);
void avx512_taps(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                 float* y, const TaskRange& t, const int64_t* image, const int64_t* oy0, const int64_t* ox0);
// Depthwise (is_depthwise); false if the kernel is too large for its stack
// tile (then the caller runs avx512_igemm).
bool avx512_depthwise(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                      float* y, const TaskRange& t);
#endif

#if NIBBLE_GEMM_VNNI_KERNELS
// int8 activations, AVX-512 VNNI (conv2d_q8_vnni.cc): has_q8_kernel holds.
void vnni_conv_q8(const Geometry& g, const codec::PackedWeights& w, const void* workspace, const gemm::Epilogue& e,
                  float* y, const TaskRange& t);
#endif

}  // namespace nibble::conv::detail
