#include "backend/fused/fused_backend.h"

#include "backend/fused/fused_conv2d.h"
#include "backend/fused/fused_linear.h"

namespace nibble::fused {

bool supports(const BoundOp& op) {
  if (op.params.code != OpCode::kLinear && op.params.code != OpCode::kConv2d) return false;
  return op.num_inputs >= 2 && op.inputs[1].packed != nullptr;
}

size_t workspace_bytes(const BoundOp& op, const Options& options) {
  return op.params.code == OpCode::kLinear ? linear_workspace_bytes(op, options)
                                           : conv2d_workspace_bytes(op, options);
}

bool uses_int8_activations(const BoundOp& op, const Options& options) {
  return op.params.code == OpCode::kLinear ? linear_uses_int8(op, options) : conv2d_uses_int8(op, options);
}

void run(const BoundOp& op, const Options& options, void* workspace, pthreadpool_t pool) {
  if (op.params.code == OpCode::kLinear) {
    run_linear(op, options, workspace, pool);
  } else {
    run_conv2d(op, options, workspace, pool);
  }
}

}  // namespace nibble::fused
