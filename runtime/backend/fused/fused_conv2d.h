// CONV2D on encoded weights (NHWC input, OHWI weights): implicit GEMM,
// depthwise and few-channel kernels of kernels/conv, over the session's pool.
#pragma once

#include "backend/fused/fused_backend.h"

namespace nibble::fused {

Kernel choose_conv2d(const BoundOp& op, const Options& options);
size_t conv2d_workspace_bytes(const BoundOp& op, Kernel kernel);
void run_conv2d(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool);

}  // namespace nibble::fused
