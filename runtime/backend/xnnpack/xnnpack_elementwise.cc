// BINARY (add/subtract/multiply/divide_nd_f32), CLAMP (clamp_nc_f32),
// SOFTMAX (softmax_nc_f32) and constant PAD (constant_pad_nd_x32).
#include <cstring>

#include "backend/xnnpack/xnnpack_internal.h"

namespace nibble::xnnpack::detail {

namespace {

void to_size_shape(const TensorView& t, size_t* shape) {
  for (int32_t i = 0; i < t.rank; ++i) shape[i] = static_cast<size_t>(t.dims[i]);
}

}  // namespace

// Numpy broadcasting: the output's shape must be exactly the broadcast of
// the two input shapes (XNNPACK derives the output shape itself). Ranks may
// differ and may be 0; XNNPACK rejects zero-sized dimensions.
bool supports_binary(const BoundOp& op) {
  const BinaryParams& p = op.params.binary;
  if (op.num_inputs != 2 || !activation_ok(p.activation)) return false;
  if (p.kind != BinaryKind::kAdd && p.kind != BinaryKind::kSub && p.kind != BinaryKind::kMul &&
      p.kind != BinaryKind::kDiv) {
    return false;
  }
  const TensorView& a = op.inputs[0];
  const TensorView& b = op.inputs[1];
  const TensorView& y = op.outputs[0];
  constexpr int32_t kMaxDims = XNN_MAX_TENSOR_DIMS < kMaxRank ? XNN_MAX_TENSOR_DIMS : kMaxRank;
  if (!shape_ok(a, 0, kMaxDims) || !shape_ok(b, 0, kMaxDims) || !shape_ok(y, 0, kMaxDims)) {
    return false;
  }
  const int32_t rank = a.rank > b.rank ? a.rank : b.rank;
  if (y.rank != rank) return false;
  for (int32_t i = 0; i < rank; ++i) {
    // Right-aligned: dimension i of the output is dimension i - (rank - r)
    // of an input of rank r, or 1 if that input has no such dimension.
    const int32_t ia = i - (rank - a.rank);
    const int32_t ib = i - (rank - b.rank);
    const int64_t da = ia >= 0 ? a.dims[ia] : 1;
    const int64_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    if (y.dims[i] != (da > db ? da : db)) return false;
  }
  return true;
}

xnn_status create_binary(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const BinaryParams& p = op.params.binary;
  const float lo = p.activation.min;
  const float hi = p.activation.max;
  xnn_status status = xnn_status_invalid_parameter;
  switch (p.kind) {
    case BinaryKind::kAdd: status = xnn_create_add_nd_f32(lo, hi, 0, out); break;
    case BinaryKind::kSub: status = xnn_create_subtract_nd_f32(lo, hi, 0, out); break;
    case BinaryKind::kMul: status = xnn_create_multiply_nd_f32(lo, hi, 0, out); break;
    case BinaryKind::kDiv: status = xnn_create_divide_nd_f32(lo, hi, 0, out); break;
  }
  if (status != xnn_status_success) return status;
  return setup_binary(op, pool, *out);
}

// Shapes are read from the views, so a sequence op is set up again with
// its new row count the same way.
xnn_status setup_binary(const BoundOp& op, pthreadpool_t pool, xnn_operator_t xop) {
  const TensorView& a = op.inputs[0];
  const TensorView& b = op.inputs[1];
  float* y = op.outputs[0].data;
  size_t shape_a[kMaxRank];
  size_t shape_b[kMaxRank];
  to_size_shape(a, shape_a);
  to_size_shape(b, shape_b);
  const size_t rank_a = static_cast<size_t>(a.rank);
  const size_t rank_b = static_cast<size_t>(b.rank);
  switch (op.params.binary.kind) {
    case BinaryKind::kAdd:
      return xnn_setup_add_nd_f32(xop, rank_a, shape_a, rank_b, shape_b, a.data, b.data, y, pool);
    case BinaryKind::kSub:
      return xnn_setup_subtract_nd_f32(xop, rank_a, shape_a, rank_b, shape_b, a.data, b.data, y, pool);
    case BinaryKind::kMul:
      return xnn_setup_multiply_nd_f32(xop, rank_a, shape_a, rank_b, shape_b, a.data, b.data, y, pool);
    case BinaryKind::kDiv:
      return xnn_setup_divide_nd_f32(xop, rank_a, shape_a, rank_b, shape_b, a.data, b.data, y, pool);
  }
  return xnn_status_invalid_parameter;
}

// Same shape in and out. The whole tensor is one row of numel channels
// (contiguous, so XNNPACK tiles it as one flat range).
bool supports_clamp(const BoundOp& op) {
  if (op.num_inputs != 1 || !activation_ok(op.params.clamp.activation)) return false;
  const TensorView& x = op.inputs[0];
  return shape_ok(x, 0, kMaxRank) && same_shape(x, op.outputs[0]);
}

xnn_status create_clamp(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const TensorView& x = op.inputs[0];
  const Activation& act = op.params.clamp.activation;
  const size_t n = static_cast<size_t>(x.numel());
  const xnn_status status = xnn_create_clamp_nc_f32(n, n, n, act.min, act.max, 0, out);
  if (status != xnn_status_success) return status;
  return xnn_setup_clamp_nc_f32(*out, /*batch_size=*/1, x.data, op.outputs[0].data, pool);
}

// softmax_nc normalizes the last (contiguous) dimension only.
bool supports_softmax(const BoundOp& op) {
  if (op.num_inputs != 1) return false;
  const TensorView& x = op.inputs[0];
  return shape_ok(x, 1, kMaxRank) && same_shape(x, op.outputs[0]) &&
         op.params.softmax.axis == x.rank - 1;
}

xnn_status create_softmax(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const TensorView& x = op.inputs[0];
  const size_t channels = static_cast<size_t>(x.dims[x.rank - 1]);
  const xnn_status status = xnn_create_softmax_nc_f32(channels, channels, channels, 0, out);
  if (status != xnn_status_success) return status;
  const size_t batch = static_cast<size_t>(x.numel()) / channels;
  return xnn_setup_softmax_nc_f32(*out, batch, x.data, op.outputs[0].data, pool);
}

// Constant mode only; output dim i = before[i] + in[i] + after[i].
bool supports_pad(const BoundOp& op) {
  const PadParams& p = op.params.pad;
  if (op.num_inputs != 1 || p.mode != PadMode::kConstant) return false;
  const TensorView& x = op.inputs[0];
  const TensorView& y = op.outputs[0];
  constexpr int32_t kMaxDims = XNN_MAX_TENSOR_DIMS < kMaxRank ? XNN_MAX_TENSOR_DIMS : kMaxRank;
  if (!shape_ok(x, 1, kMaxDims) || y.rank != x.rank) return false;
  for (int32_t i = 0; i < x.rank; ++i) {
    if (p.before[i] < 0 || p.after[i] < 0) return false;
    if (y.dims[i] != p.before[i] + x.dims[i] + p.after[i]) return false;
  }
  return true;
}

xnn_status create_pad(const BoundOp& op, pthreadpool_t pool, xnn_operator_t* out) {
  const PadParams& p = op.params.pad;
  const TensorView& x = op.inputs[0];
  // x32: the padding value is the float's bit pattern (copied at create).
  uint32_t value_bits = 0;
  static_assert(sizeof(value_bits) == sizeof(p.value), "float must be 32-bit");
  std::memcpy(&value_bits, &p.value, sizeof(value_bits));
  const xnn_status status = xnn_create_constant_pad_nd_x32(&value_bits, 0, out);
  if (status != xnn_status_success) return status;
  size_t shape[kMaxRank];
  size_t before[kMaxRank];
  size_t after[kMaxRank];
  to_size_shape(x, shape);
  for (int32_t i = 0; i < x.rank; ++i) {
    before[i] = static_cast<size_t>(p.before[i]);
    after[i] = static_cast<size_t>(p.after[i]);
  }
  return xnn_setup_constant_pad_nd_x32(*out, static_cast<size_t>(x.rank), shape, before, after,
                                       x.data, op.outputs[0].data, pool);
}

}  // namespace nibble::xnnpack::detail
