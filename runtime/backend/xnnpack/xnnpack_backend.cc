// XNNPACK backend: initialization, dispatch by op code, run, destroy, and
// the shape helpers shared by the op families (xnnpack_conv.cc,
// xnnpack_pool.cc, xnnpack_elementwise.cc).
#include <cmath>
#include <new>

#include "backend/xnnpack/xnnpack_internal.h"

namespace nibble::xnnpack {

static_assert(kInputTailBytes >= XNN_EXTRA_BYTES, "kInputTailBytes must cover XNN_EXTRA_BYTES");

namespace detail {

const char* xnn_status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success: return "xnn_status_success";
    case xnn_status_uninitialized: return "xnn_status_uninitialized";
    case xnn_status_invalid_parameter: return "xnn_status_invalid_parameter";
    case xnn_status_invalid_state: return "xnn_status_invalid_state";
    case xnn_status_unsupported_parameter: return "xnn_status_unsupported_parameter";
    case xnn_status_unsupported_hardware: return "xnn_status_unsupported_hardware";
    case xnn_status_out_of_memory: return "xnn_status_out_of_memory";
  }
  return "xnn_status_unknown";
}

bool activation_ok(const Activation& a) {
  return !std::isnan(a.min) && !std::isnan(a.max) && a.min < a.max;
}

bool shape_ok(const TensorView& t, int32_t min_rank, int32_t max_rank) {
  if (t.rank < min_rank || t.rank > max_rank || t.rank > kMaxRank) return false;
  for (int32_t i = 0; i < t.rank; ++i) {
    if (t.dims[i] <= 0) return false;
  }
  return true;
}

bool same_shape(const TensorView& a, const TensorView& b) {
  if (a.rank != b.rank) return false;
  for (int32_t i = 0; i < a.rank; ++i) {
    if (a.dims[i] != b.dims[i]) return false;
  }
  return true;
}

bool window_ok(const Window2d& w) {
  return w.kernel_h >= 1 && w.kernel_w >= 1 && w.stride_h >= 1 && w.stride_w >= 1 &&
         w.dilation_h >= 1 && w.dilation_w >= 1 && w.pad_top >= 0 && w.pad_left >= 0 &&
         w.pad_bottom >= 0 && w.pad_right >= 0;
}

int64_t window_output_size(int64_t in, int32_t kernel, int32_t stride, int32_t dilation,
                           int32_t pad_before, int32_t pad_after) {
  const int64_t padded = in + pad_before + pad_after;
  const int64_t effective = int64_t{kernel - 1} * dilation + 1;
  if (padded < effective) return -1;
  return (padded - effective) / stride + 1;
}

bool spatial_shapes_ok(const TensorView& x, const TensorView& y, const Window2d& w,
                       int64_t out_channels) {
  if (!shape_ok(x, 4, 4) || !shape_ok(y, 4, 4)) return false;
  const int64_t oh =
      window_output_size(x.dims[1], w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom);
  const int64_t ow =
      window_output_size(x.dims[2], w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right);
  return oh > 0 && ow > 0 && y.dims[0] == x.dims[0] && y.dims[1] == oh && y.dims[2] == ow &&
         y.dims[3] == out_channels;
}

}  // namespace detail

using namespace detail;

Status initialize() {
  // A function-local static is initialized exactly once, thread-safely;
  // xnn_initialize is idempotent anyway.
  static const xnn_status status = xnn_initialize(/*allocator=*/nullptr);
  if (status != xnn_status_success) {
    return NIBBLE_ERROR(kBackendError, "xnn_initialize failed: %s", xnn_status_name(status));
  }
  return Status::ok();
}

bool supports(const BoundOp& op) {
  if (op.num_outputs != 1) return false;
  // Encoded (quantized) weights run on nibble's own decoding kernels.
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    if (op.inputs[k].packed != nullptr) return false;
  }
  switch (op.params.code) {
    case OpCode::kConv2d: return supports_conv2d(op);
    case OpCode::kLinear: return supports_linear(op);
    case OpCode::kBinary: return supports_binary(op);
    case OpCode::kClamp: return supports_clamp(op);
    case OpCode::kMaxPool2d: return supports_max_pool2d(op);
    case OpCode::kAveragePool2d: return supports_average_pool2d(op);
    case OpCode::kGlobalAveragePool: return supports_global_average_pool(op);
    case OpCode::kSoftmax: return supports_softmax(op);
    case OpCode::kPad: return supports_pad(op);
    case OpCode::kReshape:
    case OpCode::kSlice:
    case OpCode::kConcat:
    case OpCode::kTranspose:
    case OpCode::kEmbedding:
    case OpCode::kLayerNorm:
    case OpCode::kGelu:
    case OpCode::kAttention:
      return false;
  }
  return false;
}

Status create(const BoundOp& op, pthreadpool_t pool, XnnOp** out) {
  if (out == nullptr) {
    return NIBBLE_ERROR(kInvalidArgument, "xnnpack::create for op '%s': null out-param", op.name);
  }
  *out = nullptr;
  if (!supports(op)) {
    return NIBBLE_ERROR(kUnsupported, "op '%s' (%s): not supported by the XNNPACK backend",
                        op.name, op_code_name(op.params.code));
  }
  NIBBLE_RETURN_IF_ERROR(initialize());

  xnn_operator_t xop = nullptr;
  xnn_status status = xnn_status_invalid_parameter;
  switch (op.params.code) {
    case OpCode::kConv2d: status = create_conv2d(op, pool, &xop); break;
    case OpCode::kLinear: status = create_linear(op, pool, &xop); break;
    case OpCode::kBinary: status = create_binary(op, pool, &xop); break;
    case OpCode::kClamp: status = create_clamp(op, pool, &xop); break;
    case OpCode::kMaxPool2d: status = create_max_pool2d(op, pool, &xop); break;
    case OpCode::kAveragePool2d: status = create_average_pool2d(op, pool, &xop); break;
    case OpCode::kGlobalAveragePool: status = create_global_average_pool(op, pool, &xop); break;
    case OpCode::kSoftmax: status = create_softmax(op, pool, &xop); break;
    case OpCode::kPad: status = create_pad(op, pool, &xop); break;
    default: break;  // unreachable: supports() returned true
  }
  if (status != xnn_status_success) {
    if (xop != nullptr) xnn_delete_operator(xop);
    return NIBBLE_ERROR(kBackendError, "op '%s' (%s): XNNPACK create/setup failed: %s", op.name,
                        op_code_name(op.params.code), xnn_status_name(status));
  }

  XnnOp* result = new (std::nothrow) XnnOp;
  if (result == nullptr) {
    xnn_delete_operator(xop);
    return NIBBLE_ERROR(kOutOfMemory, "op '%s': cannot allocate the XNNPACK op", op.name);
  }
  result->op = xop;
  result->code = op.params.code;
  *out = result;
  return Status::ok();
}

Status run(XnnOp* op, pthreadpool_t pool) {
  if (op == nullptr || op->op == nullptr) {
    return NIBBLE_ERROR(kInvalidArgument, "xnnpack::run: null op");
  }
  const xnn_status status = xnn_run_operator(op->op, pool);
  if (status != xnn_status_success) {
    return NIBBLE_ERROR(kBackendError, "%s: xnn_run_operator failed: %s", op_code_name(op->code),
                        xnn_status_name(status));
  }
  return Status::ok();
}

bool supports_new_rows(const BoundOp& op) {
  return op.params.code == OpCode::kLinear || op.params.code == OpCode::kBinary;
}

Status setup_new_rows(XnnOp* xop, const BoundOp& op, pthreadpool_t pool) {
  if (xop == nullptr || xop->op == nullptr || !supports_new_rows(op)) {
    return NIBBLE_ERROR(kInternal, "op '%s': no XNNPACK setup for a new row count", op.name);
  }
  const xnn_status status =
      op.params.code == OpCode::kLinear ? setup_linear(op, pool, xop->op) : setup_binary(op, pool, xop->op);
  if (status != xnn_status_success) {
    return NIBBLE_ERROR(kBackendError, "op '%s' (%s): XNNPACK setup for %lld rows failed: %s", op.name,
                        op_code_name(op.params.code), static_cast<long long>(op.outputs[0].dims[0]),
                        xnn_status_name(status));
  }
  return Status::ok();
}

void destroy(XnnOp* op) {
  if (op == nullptr) return;
  if (op->op != nullptr) xnn_delete_operator(op->op);
  delete op;
}

}  // namespace nibble::xnnpack
