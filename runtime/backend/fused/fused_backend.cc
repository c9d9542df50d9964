#include "backend/fused/fused_backend.h"

#include "backend/fused/fused_conv2d.h"
#include "backend/fused/fused_linear.h"

namespace nibble::fused {

Kernel choose(const BoundOp& op, const Options& options) {
  if (op.num_inputs < 2 || op.inputs[1].packed == nullptr) return Kernel::kNone;
  if (op.params.code == OpCode::kLinear) return choose_linear(op, options);
  if (op.params.code == OpCode::kConv2d) return choose_conv2d(op, options);
  return Kernel::kNone;
}

bool uses_int8_activations(Kernel kernel) {
  return kernel == Kernel::kGemvQ8 || kernel == Kernel::kGemmQ8 || kernel == Kernel::kConv2dQ8;
}

size_t workspace_bytes(const BoundOp& op, Kernel kernel) {
  return op.params.code == OpCode::kLinear ? linear_workspace_bytes(op, kernel) : conv2d_workspace_bytes(op, kernel);
}

size_t repacked_weight_bytes(const BoundOp& op, Kernel kernel, Isa isa) {
  return op.params.code == OpCode::kLinear ? linear_repacked_bytes(op, kernel, isa) : 0;
}

void repack_weight(const BoundOp& op, uint8_t* out) {
  if (op.params.code == OpCode::kLinear) repack_linear_weight(op, out);
}

void run(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool) {
  if (op.params.code == OpCode::kLinear) {
    run_linear(op, isa, kernel, workspace, pool);
  } else {
    run_conv2d(op, isa, kernel, workspace, pool);
  }
}

}  // namespace nibble::fused
