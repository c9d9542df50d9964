// Transpose: out dims[i] = in dims[perm[i]];
// out[j_0, .., j_{r-1}] = in[k] with k[perm[i]] = j_i.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_transpose(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 1, kMaxRank));
  const int32_t* perm = op.params.transpose.perm;
  bool seen[kMaxRank] = {false};
  for (int32_t i = 0; i < x.rank; ++i) {
    if (perm[i] < 0 || perm[i] >= x.rank || seen[perm[i]]) {
      return NIBBLE_OP_ERROR(kMalformed, "perm is not a permutation of [0, %d) (entry %d is %d)", x.rank, i,
                             perm[i]);
    }
    seen[perm[i]] = true;
  }
  int64_t expected[kMaxRank] = {0};
  for (int32_t i = 0; i < x.rank; ++i) expected[i] = x.dims[perm[i]];
  return check_output_shape(op, expected, x.rank);
}

void run_transpose(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  const int32_t* perm = op.params.transpose.perm;
  const int32_t rank = x.rank;
  const int32_t last = rank - 1;
  int64_t in_strides[kMaxRank];
  contiguous_strides(x, in_strides);
  // Input stride of each output dimension.
  int64_t strides[kMaxRank];
  for (int32_t i = 0; i < rank; ++i) strides[i] = in_strides[perm[i]];
  const int64_t inner = out.dims[last];
  const int64_t inner_stride = strides[last];

  int64_t idx[kMaxRank] = {0};  // over the outer output dims
  float* o = out.data;
  do {
    int64_t off = 0;
    for (int32_t d = 0; d < last; ++d) off += idx[d] * strides[d];
    const float* src = x.data + off;
    for (int64_t i = 0; i < inner; ++i) o[i] = src[i * inner_stride];
    o += inner;
  } while (next_index(idx, out.dims, last));
}

}  // namespace nibble::ref
