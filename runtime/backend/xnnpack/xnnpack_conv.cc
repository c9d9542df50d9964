// CONV2D (convolution2d_nhwc_f32) and LINEAR (fully_connected_nc_f32).
#include "backend/xnnpack/xnnpack_internal.h"

namespace nibble::xnnpack::detail {

namespace {

// Optional bias: inputs[2] when present and bound.
const float* bias_data(const BoundOp& op) {
  return op.num_inputs >= 3 ? op.inputs[2].data : nullptr;
}

bool bias_ok(const BoundOp& op, int64_t channels) {
  if (op.num_inputs < 2 || op.num_inputs > 3) return false;
  if (op.num_inputs == 3 && op.inputs[2].data != nullptr) {
    const TensorView& b = op.inputs[2];
    return b.rank == 1 && b.dims[0] == channels;
  }
  return true;
}

}  // namespace

// x [N,H,W,C], weights OHWI [O,KH,KW,C/groups], bias [O]? -> y [N,OH,OW,O].
// XNNPACK's (non-depthwise-flag) kernel layout is
// [groups, group_output_channels, KH, KW, group_input_channels], which is
// OHWI; depthwise (C/groups == 1) needs no special flag in that layout.
bool supports_conv2d(const BoundOp& op) {
  const Conv2dParams& p = op.params.conv2d;
  if (!window_ok(p.window) || !activation_ok(p.activation) || p.groups < 1) return false;
  if (op.num_inputs < 2 || op.num_inputs > 3) return false;
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& y = op.outputs[0];
  if (!shape_ok(x, 4, 4) || !shape_ok(w, 4, 4)) return false;
  const int64_t c = x.dims[3];
  const int64_t o = w.dims[0];
  if (c % p.groups != 0 || o % p.groups != 0) return false;
  if (w.dims[1] != p.window.kernel_h || w.dims[2] != p.window.kernel_w ||
      w.dims[3] != c / p.groups) {
    return false;
  }
  if (!bias_ok(op, o)) return false;
  return spatial_shapes_ok(x, y, p.window, o);
}

xnn_status create_conv2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const Conv2dParams& p = op.params.conv2d;
  const Window2d& win = p.window;
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& y = op.outputs[0];
  const size_t groups = static_cast<size_t>(p.groups);
  const size_t in_channels = static_cast<size_t>(x.dims[3]);
  const size_t out_channels = static_cast<size_t>(w.dims[0]);
  const xnn_status status = xnn_create_convolution2d_nhwc_f32(
      static_cast<uint32_t>(win.pad_top), static_cast<uint32_t>(win.pad_right),
      static_cast<uint32_t>(win.pad_bottom), static_cast<uint32_t>(win.pad_left),
      static_cast<uint32_t>(win.kernel_h), static_cast<uint32_t>(win.kernel_w),
      static_cast<uint32_t>(win.stride_h), static_cast<uint32_t>(win.stride_w),
      static_cast<uint32_t>(win.dilation_h), static_cast<uint32_t>(win.dilation_w),
      static_cast<uint32_t>(groups), in_channels / groups, out_channels / groups,
      /*input_channel_stride=*/in_channels, /*output_channel_stride=*/out_channels, w.data,
      bias_data(op), p.activation.min, p.activation.max, /*flags=*/0, out);
  if (status != xnn_status_success) return status;
  return xnn_setup_convolution2d_nhwc_f32(*out, static_cast<size_t>(x.dims[0]),
                                          static_cast<size_t>(x.dims[1]),
                                          static_cast<size_t>(x.dims[2]), x.data, y.data, pool);
}

// x [M,K], weights [N,K], bias [N]? -> y [M,N].
bool supports_linear(const BoundOp& op) {
  if (!activation_ok(op.params.linear.activation)) return false;
  if (op.num_inputs < 2 || op.num_inputs > 3) return false;
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& y = op.outputs[0];
  if (!shape_ok(x, 2, 2) || !shape_ok(w, 2, 2) || !shape_ok(y, 2, 2)) return false;
  if (x.dims[1] != w.dims[1] || y.dims[0] != x.dims[0] || y.dims[1] != w.dims[0]) return false;
  return bias_ok(op, w.dims[0]);
}

xnn_status create_linear(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const TensorView& w = op.inputs[1];
  const size_t n = static_cast<size_t>(w.dims[0]);
  const size_t k = static_cast<size_t>(w.dims[1]);
  const Activation& act = op.params.linear.activation;
  // flags 0: the kernel is [output_channels, input_channels] = [N,K].
  const xnn_status status = xnn_create_fully_connected_nc_f32(
      k, n, /*input_stride=*/k, /*output_stride=*/n, w.data, bias_data(op), act.min, act.max,
      /*flags=*/0, out);
  if (status != xnn_status_success) return status;
  return setup_linear(op, pool, *out);
}

xnn_status setup_linear(const BoundOp& op, pthreadpool_t pool, xnn_operator_t xop) {
  return xnn_setup_fully_connected_nc_f32(xop, static_cast<size_t>(op.inputs[0].dims[0]), op.inputs[0].data,
                                          op.outputs[0].data, pool);
}

}  // namespace nibble::xnnpack::detail
