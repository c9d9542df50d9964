// CONV2D on encoded weights (NHWC input, OHWI weights): implicit GEMM,
// depthwise and 1x1 kernels of kernels/conv, over the session's pool.
#pragma once

#include "backend/fused/fused_backend.h"

namespace nibble::fused {

size_t conv2d_workspace_bytes(const BoundOp& op, const Options& options);
bool conv2d_uses_int8(const BoundOp& op, const Options& options);
void run_conv2d(const BoundOp& op, const Options& options, void* workspace, pthreadpool_t pool);

}  // namespace nibble::fused
