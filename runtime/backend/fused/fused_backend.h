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

// LINEAR or CONV2D with encoded weights, shapes already checked.
bool supports(const BoundOp& op);

// Bytes of workspace run() needs for this op (64-byte aligned); ops run
// one after another, so a session allocates the largest once.
size_t workspace_bytes(const BoundOp& op, const Options& options);

// Runs the op. workspace: workspace_bytes(op, options) bytes, 64-byte
// aligned. pool: null for the calling thread only.
void run(const BoundOp& op, const Options& options, void* workspace, pthreadpool_t pool);

// Whether the op takes the int8-activation path under these options (a
// SIMD kernel exists for its weight format at this level).
bool uses_int8_activations(const BoundOp& op, const Options& options);

}  // namespace nibble::fused
