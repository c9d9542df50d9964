#include "ops/reference/op_checks.h"

#include <cmath>
#include <cstdint>

#include "core/checked_math.h"
#include "core/format.h"

namespace nibble::ref {

DimsText format_dims(const int64_t* dims, int32_t rank) {
  // 6 dims of at most 20 characters, 5 commas, brackets and NUL fit in 128.
  DimsText out;
  size_t used = 0;
  const size_t cap = sizeof(out.text);
  auto put = [&](const char* fmt, long long v) {
    int n = format(out.text + used, cap - used, fmt, v);  // %lld: see core/format.h
    if (n > 0) used += static_cast<size_t>(n);
    if (used >= cap) used = cap - 1;
  };
  put("[", 0);
  if (rank < 0 || rank > kMaxRank) {
    put("?", 0);
  } else {
    for (int32_t i = 0; i < rank; ++i) put(i == 0 ? "%lld" : ",%lld", static_cast<long long>(dims[i]));
  }
  put("]", 0);
  return out;
}

Status check_arity(const BoundOp& op, int32_t min_inputs, int32_t max_inputs) {
  if (op.num_outputs != 1) {
    return NIBBLE_OP_ERROR(kMalformed, "has %d outputs, expected 1", op.num_outputs);
  }
  if (op.num_inputs < min_inputs || op.num_inputs > max_inputs) {
    if (min_inputs == max_inputs) {
      return NIBBLE_OP_ERROR(kMalformed, "has %d inputs, expected %d", op.num_inputs, min_inputs);
    }
    return NIBBLE_OP_ERROR(kMalformed, "has %d inputs, expected %d to %d", op.num_inputs, min_inputs,
                           max_inputs);
  }
  return Status::ok();
}

Status check_tensor(const BoundOp& op, const TensorView& t, const char* role, int32_t min_rank,
                    int32_t max_rank) {
  if (t.rank < min_rank || t.rank > max_rank) {
    if (min_rank == max_rank) {
      return NIBBLE_OP_ERROR(kMalformed, "%s has rank %d, expected %d", role, t.rank, min_rank);
    }
    return NIBBLE_OP_ERROR(kMalformed, "%s has rank %d, expected %d to %d", role, t.rank, min_rank,
                           max_rank);
  }
  if (t.data == nullptr) {
    return NIBBLE_OP_ERROR(kMalformed, "%s has no data", role);
  }
  if (reinterpret_cast<uintptr_t>(t.data) % alignof(float) != 0) {
    return NIBBLE_OP_ERROR(kMisaligned, "%s data is not aligned for float", role);
  }
  for (int32_t i = 0; i < t.rank; ++i) {
    if (t.dims[i] < 1) {
      return NIBBLE_OP_ERROR(kMalformed, "%s dimension %d is %lld, must be >= 1", role, i,
                             static_cast<long long>(t.dims[i]));
    }
  }
  uint64_t count = 0;
  if (!checked_element_count(t.dims, t.rank, kMaxElements, &count)) {
    return NIBBLE_OP_ERROR(kOverflow, "%s element count of %s overflows", role,
                           format_dims(t.dims, t.rank).text);
  }
  return Status::ok();
}

Status check_output_shape(const BoundOp& op, const int64_t* expected, int32_t rank) {
  const TensorView& out = op.outputs[0];
  bool same = out.rank == rank;
  for (int32_t i = 0; same && i < rank; ++i) same = out.dims[i] == expected[i];
  if (!same) {
    return NIBBLE_OP_ERROR(kMalformed, "output shape %s does not match computed %s",
                           format_dims(out.dims, out.rank).text, format_dims(expected, rank).text);
  }
  return Status::ok();
}

Status check_activation(const BoundOp& op, const Activation& act) {
  if (std::isnan(act.min) || std::isnan(act.max) || !(act.min <= act.max)) {
    return NIBBLE_OP_ERROR(kMalformed, "activation range [%g, %g] is invalid (need min <= max, no NaN)",
                           static_cast<double>(act.min), static_cast<double>(act.max));
  }
  return Status::ok();
}

namespace {

// floor((in + pad_a + pad_b - dilation * (kernel - 1) - 1) / stride) + 1;
// 0 when the padded input is smaller than the dilated kernel.
int64_t window_out_size(int64_t in, int64_t pad_a, int64_t pad_b, int64_t kernel, int64_t stride,
                        int64_t dilation) {
  // All terms are bounded (in <= 2^61, others < 2^31), so int64 is exact.
  const int64_t span = dilation * (kernel - 1) + 1;
  const int64_t padded = in + pad_a + pad_b;
  if (padded < span) return 0;
  return (padded - span) / stride + 1;
}

}  // namespace

Status check_window(const BoundOp& op, const Window2d& w, int64_t height, int64_t width,
                    int64_t* out_height, int64_t* out_width) {
  if (w.kernel_h < 1 || w.kernel_w < 1) {
    return NIBBLE_OP_ERROR(kMalformed, "kernel %dx%d must be >= 1", w.kernel_h, w.kernel_w);
  }
  if (w.stride_h < 1 || w.stride_w < 1) {
    return NIBBLE_OP_ERROR(kMalformed, "stride %dx%d must be >= 1", w.stride_h, w.stride_w);
  }
  if (w.dilation_h < 1 || w.dilation_w < 1) {
    return NIBBLE_OP_ERROR(kMalformed, "dilation %dx%d must be >= 1", w.dilation_h, w.dilation_w);
  }
  if (w.pad_top < 0 || w.pad_left < 0 || w.pad_bottom < 0 || w.pad_right < 0) {
    return NIBBLE_OP_ERROR(kMalformed, "pads (top %d, left %d, bottom %d, right %d) must be >= 0",
                           w.pad_top, w.pad_left, w.pad_bottom, w.pad_right);
  }
  *out_height = window_out_size(height, w.pad_top, w.pad_bottom, w.kernel_h, w.stride_h, w.dilation_h);
  *out_width = window_out_size(width, w.pad_left, w.pad_right, w.kernel_w, w.stride_w, w.dilation_w);
  if (*out_height < 1 || *out_width < 1) {
    return NIBBLE_OP_ERROR(kMalformed,
                           "dilated kernel %dx%d (dilation %dx%d) does not fit the padded input %lldx%lld",
                           w.kernel_h, w.kernel_w, w.dilation_h, w.dilation_w,
                           static_cast<long long>(height + w.pad_top + w.pad_bottom),
                           static_cast<long long>(width + w.pad_left + w.pad_right));
  }
  return Status::ok();
}

Status check_no_overlap(const BoundOp& op, bool allow_in_place, bool allow_any) {
  if (allow_any) return Status::ok();
  const TensorView& out = op.outputs[0];
  const uintptr_t out_begin = reinterpret_cast<uintptr_t>(out.data);
  const uintptr_t out_end = out_begin + static_cast<uintptr_t>(out.numel()) * sizeof(float);
  for (int32_t i = 0; i < op.num_inputs; ++i) {
    const TensorView& in = op.inputs[i];
    const uintptr_t in_begin = reinterpret_cast<uintptr_t>(in.data);
    // An encoded weight occupies its segment, not numel floats (which can
    // reach past the image into an unrelated allocation).
    const uintptr_t in_bytes = in.packed != nullptr ? static_cast<uintptr_t>(in.packed->segment.total_bytes)
                                                    : static_cast<uintptr_t>(in.numel()) * sizeof(float);
    const uintptr_t in_end = in_begin + in_bytes;
    if (in_begin >= out_end || out_begin >= in_end) continue;
    if (allow_in_place && in.data == out.data && in.numel() == out.numel()) continue;
    return NIBBLE_OP_ERROR(kMalformed, "input %d overlaps the output in memory", i);
  }
  return Status::ok();
}

}  // namespace nibble::ref
