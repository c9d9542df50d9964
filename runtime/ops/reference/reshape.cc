// Reshape: same element count, bytes unchanged (copied unless the output
// is the input).
#include <cstring>

#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_reshape(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, out, "output", 0, kMaxRank));
  if (x.numel() != out.numel()) {
    return NIBBLE_OP_ERROR(kMalformed, "output shape %s has %lld elements, input %s has %lld",
                           format_dims(out.dims, out.rank).text, static_cast<long long>(out.numel()),
                           format_dims(x.dims, x.rank).text, static_cast<long long>(x.numel()));
  }
  return Status::ok();
}

void run_reshape(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  float* out = op.outputs[0].data;
  if (out == x.data) return;
  std::memmove(out, x.data, static_cast<size_t>(x.numel()) * sizeof(float));
}

}  // namespace nibble::ref
