// Slice: out[i_0, ..] = in[starts_0 + i_0 * steps_0, ..]; the output shape
// gives the count per dimension; steps are non-zero and may be negative.
// Every accessed index (the first and the last per dimension) must be
// inside the input.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_slice(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, out, "output", 1, kMaxRank));
  if (out.rank != x.rank) {
    return NIBBLE_OP_ERROR(kMalformed, "output rank %d differs from input rank %d", out.rank, x.rank);
  }
  const SliceParams& p = op.params.slice;
  for (int32_t d = 0; d < x.rank; ++d) {
    const int64_t start = p.starts[d], step = p.steps[d], count = out.dims[d];
    if (step == 0) {
      return NIBBLE_OP_ERROR(kMalformed, "step of dimension %d is 0", d);
    }
    int64_t span = 0, last = 0;
    const bool ok = !__builtin_mul_overflow(count - 1, step, &span) && !__builtin_add_overflow(start, span, &last);
    if (start < 0 || start >= x.dims[d] || !ok || last < 0 || last >= x.dims[d]) {
      return NIBBLE_OP_ERROR(kOutOfRange,
                             "dimension %d: start %lld, step %lld, count %lld reaches outside [0, %lld)", d,
                             static_cast<long long>(start), static_cast<long long>(step),
                             static_cast<long long>(count), static_cast<long long>(x.dims[d]));
    }
  }
  return Status::ok();
}

void run_slice(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  const SliceParams& p = op.params.slice;
  const int32_t last = x.rank - 1;
  int64_t strides[kMaxRank];
  contiguous_strides(x, strides);
  const int64_t inner = out.dims[last];
  const int64_t inner_step = p.steps[last];

  int64_t idx[kMaxRank] = {0};  // over the outer output dims
  float* o = out.data;
  do {
    int64_t off = p.starts[last];
    for (int32_t d = 0; d < last; ++d) off += (p.starts[d] + idx[d] * p.steps[d]) * strides[d];
    const float* src = x.data + off;
    if (inner_step == 1) {
      for (int64_t i = 0; i < inner; ++i) o[i] = src[i];
    } else {
      for (int64_t i = 0; i < inner; ++i) o[i] = src[i * inner_step];
    }
    o += inner;
  } while (next_index(idx, out.dims, last));
}

}  // namespace nibble::ref
