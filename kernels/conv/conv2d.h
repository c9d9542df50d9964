// Conv2d on encoded weights (NHWC input and output, OHWI weights), decoding
// the weights inside the kernel one panel at a time:
//
//   y[b, oy, ox, oc] = clamp(bias[oc] + sum over (ky, kx, ic) in that order
//       of x[b, oy*sh - pad_top + ky*dh, ox*sw - pad_left + kx*dw, g*Cg + ic]
//       * W[oc, (ky*kw + kx)*Cg + ic]),  g = oc / Og, Cg = in_c / groups,
//   Og = out_c / groups; taps in the padding are skipped
//
// W rows = out_c, cols = kernel_h * kernel_w * Cg, any codec format. The
// scalar reference is runtime/ops/reference/conv2d.cc's arithmetic (bias,
// then mul and add in that order, one rounding each): bit-identical to it.
//
// Work is split in tasks (num_tasks): tiles of output pixels x output
// channels; a caller runs any task ranges on any threads, and an output's
// result never depends on the split (each output is one chain of
// operations in the order above).
//
// AVX-512: implicit GEMM (conv2d_avx512.cc) on the GEMM's panel packer and
// microkernel: per (tap, block of <= 256 input channels) chunk, each pixel's
// row pointer is its input at that tap, or a zero row in the padding (so a
// padded tap adds 0 * w instead of being skipped: the same value except
// for a -0 sum or an infinite weight). 1x1 stride-1 convolutions are thus a
// plain GEMM. Depthwise convolutions (groups == in_c == out_c) have their
// own kernel (depthwise_avx512.cc), 16 channels per vector, padded taps
// skipped. FMA: agrees with the reference within rounding, not bit for bit.
//
// Stack per thread (AVX-512): up to ~100 KiB (the GEMM's row buffer plus a
// 32 x 320 panel and its 8 x 320 row pointers); depthwise 17 KiB;
// the references ~1.5 KiB.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/packed_weights.h"
#include "cpu/isa.h"
#include "gemm/gemm.h"

namespace nibble::conv {

using nibble::Isa;

struct Geometry {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
      dilation_w, pad_top, pad_left, groups;
};

// A caller-provided buffer (allocated once per session); 0 for now (the
// zero row and pointers live on the stack).
size_t workspace_bytes(const Geometry& g);
// Independent units: tiles of output pixels x output channels.
int64_t num_tasks(const Geometry& g);
// Once per call before the tasks; does nothing for now.
void prepare(Isa isa, const Geometry& g, const float* x, void* workspace);
// Runs tasks [task_begin, task_end) on the highest level <= isa with a
// kernel; false (y untouched) if this build or CPU lacks `isa`.
bool conv2d_on(Isa isa, const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
               float* y, void* workspace, int64_t task_begin, int64_t task_end);

// Whether `isa` has a SIMD kernel (not the reference) for this convolution.
bool has_conv2d_kernel(Isa isa, const Geometry& g, const codec::PackedWeights& w);

// ---- int8 activations. The input is quantized once per call
// (q8_prepare, into a caller buffer of q8_workspace_bytes, 64-byte
// aligned, not moved before the tasks): for every input pixel and group,
// its Cg channels per block of 32 with gemv::quantize_activations' rule.
// Definition (conv2d_q8_reference): y = clamp(bias + acc), acc = sum over
// taps in (ky, kx) order inside the image, over the tap's blocks j in order,
// of d[j] * (sum_{i in block j} W[oc, tap*Cg + i] * q[i]) in float, column
// order within a block (gemv_q8's definition on each tap's row).
// AVX-512 VNNI kernel (conv2d_q8_vnni.cc) for q8_0, q4_0, int8 per channel
// when Cg is a multiple of 32 (the weight blocks then align with the taps);
// otherwise every level runs the definition.
size_t q8_workspace_bytes(const Geometry& g);
void q8_prepare(Isa isa, const Geometry& g, const float* x, void* workspace);
// The same split in units (input pixels, batch * in_h * in_w of them):
// callers may quantize unit ranges on different threads (the same bytes
// as one q8_prepare), then run the tasks.
int64_t q8_prepare_units(const Geometry& g);
void q8_prepare_range(Isa isa, const Geometry& g, const float* x, void* workspace, int64_t unit_begin,
                      int64_t unit_end);
bool conv2d_q8_on(Isa isa, const Geometry& g, const codec::PackedWeights& w, const void* workspace,
                  const gemm::Epilogue& e, float* y, int64_t task_begin, int64_t task_end);
bool has_q8_kernel(Isa isa, const Geometry& g, const codec::PackedWeights& w);

// ---- internals shared by the levels
struct TaskRange {
  int64_t p0, p1;    // output pixels, flattened over (batch, out_h, out_w)
  int64_t oc0, oc1;  // output channels, inside one group unless depthwise
};
bool is_depthwise(const Geometry& g);
TaskRange task_range(const Geometry& g, int64_t task);

void conv2d_reference(const Geometry& g, const codec::PackedWeights& w, const float* x, const gemm::Epilogue& e,
                      float* y, const TaskRange& t);

// The quantized input (q8_prepare): one record per (input pixel, group),
// Cp = Cg rounded up to 32: q[Cp] int8 (zero-padded), d[Cp/32] float,
// sums[Cp/32] int32; then one all-zero record (padding taps of the kernel).
struct Q8Records {
  int64_t cp, blocks, bytes;  // padded channels, blocks, bytes per record
};
Q8Records q8_records(const Geometry& g);
void conv2d_q8_reference(const Geometry& g, const codec::PackedWeights& w, const void* workspace,
                         const gemm::Epilogue& e, float* y, const TaskRange& t);

}  // namespace nibble::conv
