// Linear: out[m, n] = bias[n] + sum_k x[m, k] * w[n, k] (k ascending), then
// clamped. Computed as a 1x1 convolution of M "pixels" with K channels,
// so it shares conv2d's blocked kernel and its summation order.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_linear(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 2, 3));
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 2, 2));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, w, "weights", 2, 2));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 2, 2));
  NIBBLE_RETURN_IF_ERROR(check_activation(op, op.params.linear.activation));
  if (w.dims[1] != x.dims[1]) {
    return NIBBLE_OP_ERROR(kMalformed, "weights shape %s does not match input %s (need [N,%lld])",
                           format_dims(w.dims, 2).text, format_dims(x.dims, 2).text,
                           static_cast<long long>(x.dims[1]));
  }
  if (op.num_inputs == 3) {
    const TensorView& b = op.inputs[2];
    NIBBLE_RETURN_IF_ERROR(check_tensor(op, b, "bias", 1, 1));
    if (b.dims[0] != w.dims[0]) {
      return NIBBLE_OP_ERROR(kMalformed, "bias has %lld elements, expected %lld",
                             static_cast<long long>(b.dims[0]), static_cast<long long>(w.dims[0]));
    }
  }
  const int64_t expected[2] = {x.dims[0], w.dims[0]};
  return check_output_shape(op, expected, 2);
}

void run_linear(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  ConvGeometry g;
  g.batch = x.dims[0];
  g.in_h = 1;
  g.in_w = 1;
  g.in_c = x.dims[1];
  g.out_h = 1;
  g.out_w = 1;
  g.out_c = w.dims[0];
  g.kernel_h = 1;
  g.kernel_w = 1;
  g.stride_h = 1;
  g.stride_w = 1;
  g.dilation_h = 1;
  g.dilation_w = 1;
  g.pad_top = 0;
  g.pad_left = 0;
  g.groups = 1;
  const WeightRows rows{w.data, w.packed, w.dims[1]};
  conv2d_nhwc(g, x.data, rows, op.num_inputs == 3 ? op.inputs[2].data : nullptr, op.outputs[0].data,
              op.params.linear.activation);
}

}  // namespace nibble::ref
