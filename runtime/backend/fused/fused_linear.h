// LINEAR on encoded weights: y[M, N] = clamp(x[M, K] W[N, K]^T + bias).
#pragma once

#include "backend/fused/fused_backend.h"

namespace nibble::fused {

Kernel choose_linear(const BoundOp& op, const Options& options);
size_t linear_workspace_bytes(const BoundOp& op, Kernel kernel);
size_t linear_repacked_bytes(const BoundOp& op, Kernel kernel, Isa isa);
void repack_linear_weight(const BoundOp& op, uint8_t* out);
void run_linear(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool);

}  // namespace nibble::fused
