// Layer normalisation over the last axis: inputs {x [.., C], gamma [C],
// beta [C]?}; out = (x - mean) / sqrt(var + epsilon) * gamma + beta per row
// of C values (var: the biased variance, as PyTorch's LayerNorm).
//
// Two passes in float (mean, then the mean squared deviation), each with
// lane_reduce.h's 16 partial sums: no cancellation when the mean is large
// against the spread (a one-pass E[x^2] - E[x]^2 would lose it), and the
// loops vectorise. Each row is read completely before it is written, so
// the op may run in place.
#include <cmath>

#include "ops/reference/lane_reduce.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_layer_norm(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 2, 3));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 1, kMaxRank));
  const float eps = op.params.layer_norm.epsilon;
  if (!(eps > 0.0f) || !std::isfinite(eps)) {
    return NIBBLE_OP_ERROR(kMalformed, "epsilon %g must be finite and > 0", static_cast<double>(eps));
  }
  const int64_t channels = x.dims[x.rank - 1];
  const char* roles[3] = {"input", "gamma", "beta"};
  for (int32_t k = 1; k < op.num_inputs; ++k) {
    NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.inputs[k], roles[k], 1, 1));
    if (op.inputs[k].dims[0] != channels) {
      return NIBBLE_OP_ERROR(kMalformed, "%s has %lld elements, expected %lld (the input's last axis)", roles[k],
                             static_cast<long long>(op.inputs[k].dims[0]), static_cast<long long>(channels));
    }
  }
  return check_output_shape(op, x.dims, x.rank);
}

void run_layer_norm(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const float* gamma = op.inputs[1].data;
  const float* beta = op.num_inputs == 3 ? op.inputs[2].data : nullptr;
  float* out = op.outputs[0].data;
  const int64_t channels = x.dims[x.rank - 1];
  const int64_t rows = x.numel() / channels;  // dims[0] is this run's rows
  const float inv_channels = 1.0f / static_cast<float>(channels);
  const float eps = op.params.layer_norm.epsilon;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data + r * channels;
    float* yr = out + r * channels;
    const float mean = lane_sum(xr, channels) * inv_channels;
    const float var = lane_sum_sq_dev(xr, mean, channels) * inv_channels;
    const float rstd = 1.0f / std::sqrt(var + eps);
    if (beta != nullptr) {
      for (int64_t c = 0; c < channels; ++c) yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
    } else {
      for (int64_t c = 0; c < channels; ++c) yr[c] = (xr[c] - mean) * rstd * gamma[c];
    }
  }
}

}  // namespace nibble::ref
