// Clamp: out = min(max(x, min), max) elementwise; NaN passes through.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_clamp(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_activation(op, op.params.clamp.activation));
  return check_output_shape(op, x.dims, x.rank);
}

void run_clamp(const BoundOp& op) {
  const float* x = op.inputs[0].data;
  float* o = op.outputs[0].data;
  const Activation act = op.params.clamp.activation;
  const int64_t count = op.outputs[0].numel();
  for (int64_t i = 0; i < count; ++i) o[i] = activate(x[i], act);
}

}  // namespace nibble::ref
