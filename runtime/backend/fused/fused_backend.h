// The fused backend: LINEAR and CONV2D ops whose weights are encoded run
// here, on the kernels that decode the codes in registers (kernels/gemv,
// kernels/gemm, kernels/conv), split over the session's pthreadpool.
//
// Ops are stateless beyond their BoundOp: everything is decided at session
// creation (supports(), workspace_bytes()), and run() only calls kernels
// on the session's pre-allocated workspace, so it never allocates. Results
// do not depend on the thread count: every kernel computes each output
// with the same operations whatever range of outputs a task covers.
//
// Hosted builds only (pthreadpool); freestanding builds run encoded ops on
// the reference kernels.
#pragma once

#include <pthreadpool.h>

#include <cstddef>

#include "cpu/isa.h"
#include "ops/op_params.h"

namespace nibble::fused {

struct Options {
  Isa isa = Isa::kScalar;         // the level the kernels may use (at most)
  bool int8_activations = false;  // quantize activations per block of 32 where a kernel exists
};

// Which kernel runs an op: chosen once, at session creation, from the
// weight's format, the shapes and the options (run() asks nothing again).
enum class Kernel : uint8_t {
  kNone = 0,   // not a fused op (shapes checked, weights not encoded, ...)
  kGemv,       // LINEAR: one GEMV per row of x
  kGemvQ8,     //   the same, int8 activations
  kGemm,       // LINEAR with M >= 2 and a SIMD GEMM kernel
  kGemmQ8,     //   the same, int8 activations
  kConv2d,     // CONV2D
  kConv2dQ8,   //   int8 activations
};

// kNone unless the op is LINEAR or CONV2D with encoded weights.
Kernel choose(const BoundOp& op, const Options& options);

bool uses_int8_activations(Kernel kernel);

// Bytes of workspace run() needs for this op (64-byte aligned); ops run
// one after another, so a session allocates the largest once.
size_t workspace_bytes(const BoundOp& op, Kernel kernel);

// Bytes of a copy of the op's weight in a layout of the kernel's own that
// runs faster than the file's (0: none; 64-byte multiple). Today: Q4_0
// under the int8-activation GEMV on AVX-512 VNNI (gemv/gemv_q8_rows4.h).
// The session makes the copy once (repack_weight) and sets
// BoundOp::repacked_weight; run() then reads it for that kernel.
size_t repacked_weight_bytes(const BoundOp& op, Kernel kernel, Isa isa);
void repack_weight(const BoundOp& op, uint8_t* out);

// Runs the op with the kernel choose() gave. workspace: workspace_bytes()
// bytes, 64-byte aligned. pool: null for the calling thread only.
void run(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool);

}  // namespace nibble::fused
