// Shared between the XNNPACK backend's source files; not a public header.
#pragma once

#include <xnnpack.h>

#include <cstddef>
#include <cstdint>

#include "backend/xnnpack/xnnpack_backend.h"

namespace nibble::xnnpack {

struct XnnOp {
  xnn_operator_t op = nullptr;
  OpCode code = OpCode::kConv2d;
};

namespace detail {

const char* xnn_status_name(xnn_status status);

// min < max and neither is NaN; +-inf are accepted by XNNPACK.
bool activation_ok(const Activation& a);
// rank in [min_rank, max_rank] and every dimension > 0.
bool shape_ok(const TensorView& t, int32_t min_rank, int32_t max_rank);
bool same_shape(const TensorView& a, const TensorView& b);

// Window params in range: kernel, stride, dilation >= 1, pads >= 0.
bool window_ok(const Window2d& w);
// The output size along one axis XNNPACK computes (and the reference must
// agree with): (in + pad_before + pad_after - effective_kernel) / stride + 1.
// Returns -1 when the padded input is smaller than the effective kernel.
int64_t window_output_size(int64_t in, int32_t kernel, int32_t stride, int32_t dilation,
                           int32_t pad_before, int32_t pad_after);
// Checks x [N,H,W,C] -> y [N,OH,OW,out_channels] for the window.
bool spatial_shapes_ok(const TensorView& x, const TensorView& y, const Window2d& w,
                       int64_t out_channels);

// Per op family: supports_X is the pure check; create_X creates the
// operator into *out (left null if creation fails) and sets it up. If setup
// fails *out is set and the caller deletes it.
bool supports_conv2d(const BoundOp& op);
xnn_status create_conv2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
bool supports_linear(const BoundOp& op);
xnn_status create_linear(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
xnn_status setup_linear(const BoundOp& op, pthreadpool_t pool, xnn_operator_t xop);

bool supports_max_pool2d(const BoundOp& op);
xnn_status create_max_pool2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
bool supports_average_pool2d(const BoundOp& op);
xnn_status create_average_pool2d(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
bool supports_global_average_pool(const BoundOp& op);
xnn_status create_global_average_pool(const BoundOp& op, pthreadpool_t pool,
                                      xnn_operator_t* out);

bool supports_binary(const BoundOp& op);
xnn_status create_binary(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
xnn_status setup_binary(const BoundOp& op, pthreadpool_t pool, xnn_operator_t xop);
bool supports_clamp(const BoundOp& op);
xnn_status create_clamp(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
bool supports_softmax(const BoundOp& op);
xnn_status create_softmax(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);
bool supports_pad(const BoundOp& op);
xnn_status create_pad(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out);

}  // namespace detail
}  // namespace nibble::xnnpack
