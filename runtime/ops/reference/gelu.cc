// GELU, elementwise (in place allowed):
//   TANH: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))  (GPT-2's gelu_new)
//   ERF:  0.5 x (1 + erf(x / sqrt(2)))
// Computed in float with the C library. TANH uses the identity
// 0.5 (1 + tanh(u)) = 1 / (1 + exp(-2u)): one exp instead of a tanh (about
// 3x cheaper), and no cancellation in 1 + tanh(u) for negative x, so it
// is at least as close to the exact value as the formula evaluated as
// written. The approximation is chosen once per call, not per element.
#include <cmath>

#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_gelu(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 0, kMaxRank));
  const GeluApproximation a = op.params.gelu.approximation;
  if (a != GeluApproximation::kTanh && a != GeluApproximation::kErf) {
    return NIBBLE_OP_ERROR(kMalformed, "unknown approximation %d", static_cast<int>(a));
  }
  return check_output_shape(op, x.dims, x.rank);
}

void run_gelu(const BoundOp& op) {
  const float* x = op.inputs[0].data;
  float* out = op.outputs[0].data;
  const int64_t count = op.outputs[0].numel();  // dims[0] is this run's rows
  if (op.params.gelu.approximation == GeluApproximation::kTanh) {
    const float k = 0.7978845608028654f;  // sqrt(2 / pi)
    for (int64_t i = 0; i < count; ++i) {
      const float v = x[i];
      // exp overflows to inf for very negative v: v / inf = -0, the limit.
      out[i] = v / (1.0f + std::exp(-2.0f * k * (v + 0.044715f * v * v * v)));
    }
  } else {
    const float inv_sqrt2 = 0.7071067811865476f;
    for (int64_t i = 0; i < count; ++i) {
      const float v = x[i];
      out[i] = 0.5f * v * (1.0f + std::erf(v * inv_sqrt2));
    }
  }
}

}  // namespace nibble::ref
