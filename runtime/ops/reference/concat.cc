// Concat along `axis` of num_inputs tensors of equal rank whose other
// dimensions are equal; inputs in order.
#include <cstring>

#include "core/format.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_concat(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, kMaxOpInputs));
  const TensorView& first = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, first, "input 0", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 1, kMaxRank));
  const int32_t axis = op.params.concat.axis;
  if (axis < 0 || axis >= first.rank) {
    return NIBBLE_OP_ERROR(kMalformed, "axis %d is outside [0, %d)", axis, first.rank);
  }
  int64_t expected[kMaxRank] = {0};
  for (int32_t d = 0; d < first.rank; ++d) expected[d] = first.dims[d];
  for (int32_t i = 1; i < op.num_inputs; ++i) {
    const TensorView& t = op.inputs[i];
    char role[24];
    format(role, sizeof(role), "input %d", i);  // not snprintf: keeps libc printf out of freestanding builds
    NIBBLE_RETURN_IF_ERROR(check_tensor(op, t, role, first.rank, first.rank));
    for (int32_t d = 0; d < first.rank; ++d) {
      if (d != axis && t.dims[d] != first.dims[d]) {
        return NIBBLE_OP_ERROR(kMalformed, "input %d shape %s differs from input 0 shape %s outside axis %d", i,
                               format_dims(t.dims, t.rank).text, format_dims(first.dims, first.rank).text, axis);
      }
    }
    if (__builtin_add_overflow(expected[axis], t.dims[axis], &expected[axis])) {
      return NIBBLE_OP_ERROR(kOverflow, "concatenated size of axis %d overflows", axis);
    }
  }
  return check_output_shape(op, expected, first.rank);
}

void run_concat(const BoundOp& op) {
  const TensorView& out = op.outputs[0];
  const int32_t axis = op.params.concat.axis;
  int64_t outer = 1, inner = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= out.dims[d];
  for (int32_t d = axis + 1; d < out.rank; ++d) inner *= out.dims[d];
  float* o = out.data;
  for (int64_t k = 0; k < outer; ++k) {
    for (int32_t i = 0; i < op.num_inputs; ++i) {
      const TensorView& t = op.inputs[i];
      const int64_t chunk = t.dims[axis] * inner;
      std::memcpy(o, t.data + k * chunk, static_cast<size_t>(chunk) * sizeof(float));
      o += chunk;
    }
  }
}

}  // namespace nibble::ref
