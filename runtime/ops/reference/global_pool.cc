// GlobalAveragePool: NHWC [N,H,W,C] -> [N,1,1,C]; out[n,c] = (sum over
// (h, w) in memory order of x[n,h,w,c]) / (H*W), then clamped.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_global_pool(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 4, 4));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 4, 4));
  NIBBLE_RETURN_IF_ERROR(check_activation(op, op.params.global_pool.activation));
  const int64_t expected[4] = {x.dims[0], 1, 1, x.dims[3]};
  return check_output_shape(op, expected, 4);
}

void run_global_pool(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const int64_t batch = x.dims[0];
  const int64_t spatial = x.dims[1] * x.dims[2];
  const int64_t channels = x.dims[3];
  const Activation act = op.params.global_pool.activation;
  const float divisor = static_cast<float>(spatial);
  for (int64_t n = 0; n < batch; ++n) {
    const float* xp = x.data + n * spatial * channels;
    float* o = op.outputs[0].data + n * channels;
    for (int64_t c = 0; c < channels; ++c) o[c] = 0.0f;
    for (int64_t s = 0; s < spatial; ++s) {
      const float* row = xp + s * channels;
      for (int64_t c = 0; c < channels; ++c) o[c] += row[c];
    }
    for (int64_t c = 0; c < channels; ++c) o[c] = activate(o[c] / divisor, act);
  }
}

}  // namespace nibble::ref
