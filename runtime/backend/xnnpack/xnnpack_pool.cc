// MAX_POOL2D (max_pooling2d_nhwc_f32), AVERAGE_POOL2D
// (average_pooling2d_nhwc_f32) and GLOBAL_AVERAGE_POOL
// (global_average_pooling_nwc_f32).
#include "backend/xnnpack/xnnpack_internal.h"

namespace nibble::xnnpack::detail {

namespace {

// Along one axis: every output window holds at least one input element
// (else the reference gives -inf for max, 0 for average, and XNNPACK an
// edge pixel or 0/0).
bool axis_windows_nonempty(int64_t in, int64_t out, int32_t kernel, int32_t stride,
                           int32_t dilation, int32_t pad_before) {
  for (int64_t o = 0; o < out; ++o) {
    // The first tap at or after position 0 (O(1), whatever the kernel size).
    const int64_t start = o * stride - pad_before;
    const int64_t first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
    if (first >= kernel || start + first * dilation >= in) return false;
  }
  return true;
}

bool pool_windows_nonempty(const TensorView& x, const TensorView& y, const Window2d& w) {
  return axis_windows_nonempty(x.dims[1], y.dims[1], w.kernel_h, w.stride_h, w.dilation_h,
                               w.pad_top) &&
         axis_windows_nonempty(x.dims[2], y.dims[2], w.kernel_w, w.stride_w, w.dilation_w,
                               w.pad_left);
}

bool any_padding(const Window2d& w) {
  return (w.pad_top | w.pad_left | w.pad_bottom | w.pad_right) != 0;
}

// Common to both 2-D pools: x [N,H,W,C] -> y [N,OH,OW,C], a window XNNPACK
// accepts (it rejects 1x1 pooling).
bool pool2d_common_ok(const BoundOp& op) {
  const Pool2dParams& p = op.params.pool2d;
  if (op.num_inputs != 1 || !window_ok(p.window) || !activation_ok(p.activation)) return false;
  if (int64_t{p.window.kernel_h} * p.window.kernel_w == 1) return false;
  const TensorView& x = op.inputs[0];
  return spatial_shapes_ok(x, op.outputs[0], p.window, x.rank == 4 ? x.dims[3] : -1);
}

}  // namespace

// XNNPACK (this 2022 version) fills padded taps of a max-pooling window
// with a real pixel instead of skipping them:
//  - without dilation it clamps the tap to the nearest edge pixel; the
//    window is contiguous and holds a valid tap, so that pixel is one of the
//    window's own taps and cannot change the max;
//  - with any dilation > 1 (either axis) it substitutes a "safe" tap that
//    may lie outside the window or even outside the input (an out-of-bounds
//    read), and adjacent windows overwrite each other's shared indirection
//    entries. So dilated max pooling is only supported without padding,
//    where no tap is ever padded.
// Checked against the library by MaxPoolSweep and MaxPoolQuirk in
// tests/xnnpack/xnnpack_pool_test.cc.
bool supports_max_pool2d(const BoundOp& op) {
  if (!pool2d_common_ok(op)) return false;
  const Window2d& w = op.params.pool2d.window;
  if ((w.dilation_h > 1 || w.dilation_w > 1) && any_padding(w)) return false;
  return pool_windows_nonempty(op.inputs[0], op.outputs[0], w);
}

xnn_status create_max_pool2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const Pool2dParams& p = op.params.pool2d;
  const Window2d& w = p.window;
  const TensorView& x = op.inputs[0];
  const size_t channels = static_cast<size_t>(x.dims[3]);
  const xnn_status status = xnn_create_max_pooling2d_nhwc_f32(
      static_cast<uint32_t>(w.pad_top), static_cast<uint32_t>(w.pad_right),
      static_cast<uint32_t>(w.pad_bottom), static_cast<uint32_t>(w.pad_left),
      static_cast<uint32_t>(w.kernel_h), static_cast<uint32_t>(w.kernel_w),
      static_cast<uint32_t>(w.stride_h), static_cast<uint32_t>(w.stride_w),
      static_cast<uint32_t>(w.dilation_h), static_cast<uint32_t>(w.dilation_w), channels,
      /*input_pixel_stride=*/channels, /*output_pixel_stride=*/channels, p.activation.min,
      p.activation.max, /*flags=*/0, out);
  if (status != xnn_status_success) return status;
  return xnn_setup_max_pooling2d_nhwc_f32(*out, static_cast<size_t>(x.dims[0]),
                                          static_cast<size_t>(x.dims[1]),
                                          static_cast<size_t>(x.dims[2]), x.data,
                                          op.outputs[0].data, pool);
}

// XNNPACK divides by the number of non-padding elements in the window, so
// count_include_pad is only equivalent without padding. No dilation param.
bool supports_average_pool2d(const BoundOp& op) {
  if (!pool2d_common_ok(op)) return false;
  const Pool2dParams& p = op.params.pool2d;
  if (p.window.dilation_h != 1 || p.window.dilation_w != 1) return false;
  if (p.count_include_pad && any_padding(p.window)) return false;
  return pool_windows_nonempty(op.inputs[0], op.outputs[0], p.window);
}

xnn_status create_average_pool2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const Pool2dParams& p = op.params.pool2d;
  const Window2d& w = p.window;
  const TensorView& x = op.inputs[0];
  const size_t channels = static_cast<size_t>(x.dims[3]);
  const xnn_status status = xnn_create_average_pooling2d_nhwc_f32(
      static_cast<uint32_t>(w.pad_top), static_cast<uint32_t>(w.pad_right),
      static_cast<uint32_t>(w.pad_bottom), static_cast<uint32_t>(w.pad_left),
      static_cast<uint32_t>(w.kernel_h), static_cast<uint32_t>(w.kernel_w),
      static_cast<uint32_t>(w.stride_h), static_cast<uint32_t>(w.stride_w), channels,
      /*input_pixel_stride=*/channels, /*output_pixel_stride=*/channels, p.activation.min,
      p.activation.max, /*flags=*/0, out);
  if (status != xnn_status_success) return status;
  return xnn_setup_average_pooling2d_nhwc_f32(*out, static_cast<size_t>(x.dims[0]),
                                              static_cast<size_t>(x.dims[1]),
                                              static_cast<size_t>(x.dims[2]), x.data,
                                              op.outputs[0].data, pool);
}

// x [N,H,W,C] -> y [N,1,1,C]: XNNPACK's NWC global pooling with W = H*W.
bool supports_global_average_pool(const BoundOp& op) {
  if (op.num_inputs != 1 || !activation_ok(op.params.global_pool.activation)) return false;
  const TensorView& x = op.inputs[0];
  const TensorView& y = op.outputs[0];
  if (!shape_ok(x, 4, 4) || !shape_ok(y, 4, 4)) return false;
  return y.dims[0] == x.dims[0] && y.dims[1] == 1 && y.dims[2] == 1 && y.dims[3] == x.dims[3];
}

xnn_status create_global_average_pool(const BoundOp& op, pthreadpool_t pool,
                                      xnn_operator_t* out) {
  const TensorView& x = op.inputs[0];
  const Activation& act = op.params.global_pool.activation;
  const size_t channels = static_cast<size_t>(x.dims[3]);
  const xnn_status status = xnn_create_global_average_pooling_nwc_f32(
      channels, /*input_stride=*/channels, /*output_stride=*/channels, act.min, act.max,
      /*flags=*/0, out);
  if (status != xnn_status_success) return status;
  return xnn_setup_global_average_pooling_nwc_f32(
      *out, static_cast<size_t>(x.dims[0]), static_cast<size_t>(x.dims[1] * x.dims[2]), x.data,
      op.outputs[0].data, pool);
}

}  // namespace nibble::xnnpack::detail
