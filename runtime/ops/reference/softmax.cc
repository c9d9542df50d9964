// Softmax along `axis`, any rank: for each line along the axis,
// m = max, e_i = exp(x_i - m), out_i = e_i / sum_i e_i (sum in index
// order).
#include <cmath>

#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_softmax(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 1, kMaxRank));
  const int32_t axis = op.params.softmax.axis;
  if (axis < 0 || axis >= x.rank) {
    return NIBBLE_OP_ERROR(kMalformed, "axis %d is outside [0, %d)", axis, x.rank);
  }
  return check_output_shape(op, x.dims, x.rank);
}

void run_softmax(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  float* out = op.outputs[0].data;
  const int32_t axis = op.params.softmax.axis;
  int64_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= x.dims[d];
  for (int32_t d = axis + 1; d < x.rank; ++d) inner *= x.dims[d];
  const int64_t n = x.dims[axis];
  // Reads x[i] before writing out[i] at each index, so in-place is fine.
  for (int64_t k = 0; k < outer; ++k) {
    for (int64_t j = 0; j < inner; ++j) {
      const float* xp = x.data + k * n * inner + j;
      float* op_ = out + k * n * inner + j;
      float m = xp[0];
      for (int64_t i = 1; i < n; ++i) {
        const float v = xp[i * inner];
        m = v > m ? v : m;
      }
      float sum = 0.0f;
      for (int64_t i = 0; i < n; ++i) {
        const float e = std::exp(xp[i * inner] - m);
        op_[i * inner] = e;
        sum += e;
      }
      for (int64_t i = 0; i < n; ++i) op_[i * inner] /= sum;
    }
  }
}

}  // namespace nibble::ref
