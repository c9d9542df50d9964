// LINEAR on encoded weights: y[M, N] = clamp(x[M, K] W[N, K]^T + bias).
#pragma once

#include "backend/fused/fused_backend.h"

namespace nibble::fused {

size_t linear_workspace_bytes(const BoundOp& op, const Options& options);
bool linear_uses_int8(const BoundOp& op, const Options& options);
void run_linear(const BoundOp& op, const Options& options, void* workspace, pthreadpool_t pool);

}  // namespace nibble::fused
