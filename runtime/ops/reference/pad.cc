// Pad, any rank: out dim d = before[d] + in dim d + after[d]. Output index
// j maps to input index i = j - before[d]; outside [0, dim):
//   CONSTANT: the element is `value`;
//   REFLECT (numpy 'reflect', edge not repeated): i < 0 -> -i,
//            i >= dim -> 2*(dim-1) - i; requires before, after < dim;
//   EDGE: i clamped to [0, dim-1].
#include <cstdint>
#include <cstring>

#include "core/checked_math.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

namespace {

// Input index for input position i (may be outside [0, dim)); -1 for a
// constant-mode pad position.
inline int64_t map_index(int64_t i, int64_t dim, PadMode mode) {
  if (i >= 0 && i < dim) return i;
  switch (mode) {
    case PadMode::kReflect: return i < 0 ? -i : 2 * (dim - 1) - i;
    case PadMode::kEdge: return i < 0 ? 0 : dim - 1;
    case PadMode::kConstant: break;
  }
  return -1;
}

}  // namespace

Status check_pad(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 1, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 1, kMaxRank));
  const PadParams& p = op.params.pad;
  if (p.mode != PadMode::kConstant && p.mode != PadMode::kReflect && p.mode != PadMode::kEdge) {
    return NIBBLE_OP_ERROR(kUnsupported, "unknown pad mode %u", static_cast<unsigned>(p.mode));
  }
  int64_t expected[kMaxRank] = {0};
  for (int32_t d = 0; d < x.rank; ++d) {
    const int64_t before = p.before[d], after = p.after[d];
    if (before < 0 || after < 0) {
      return NIBBLE_OP_ERROR(kMalformed, "pads of dimension %d (%lld before, %lld after) must be >= 0", d,
                             static_cast<long long>(before), static_cast<long long>(after));
    }
    if (p.mode == PadMode::kReflect && (before >= x.dims[d] || after >= x.dims[d])) {
      return NIBBLE_OP_ERROR(kMalformed,
                             "reflect pads of dimension %d (%lld before, %lld after) must be < its size %lld", d,
                             static_cast<long long>(before), static_cast<long long>(after),
                             static_cast<long long>(x.dims[d]));
    }
    uint64_t size = 0;
    if (!checked_add(static_cast<uint64_t>(before), static_cast<uint64_t>(x.dims[d]), &size) ||
        !checked_add(size, static_cast<uint64_t>(after), &size) ||
        size > static_cast<uint64_t>(INT64_MAX)) {
      return NIBBLE_OP_ERROR(kOverflow, "padded size of dimension %d overflows", d);
    }
    expected[d] = static_cast<int64_t>(size);
  }
  return check_output_shape(op, expected, x.rank);
}

void run_pad(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  const PadParams& p = op.params.pad;
  const int32_t rank = x.rank;
  const int32_t last = rank - 1;
  int64_t in_strides[kMaxRank];
  contiguous_strides(x, in_strides);

  const int64_t in_inner = x.dims[last];
  const int64_t out_inner = out.dims[last];
  const int64_t before = p.before[last];
  const int64_t after = p.after[last];

  int64_t idx[kMaxRank] = {0};  // over the outer output dims
  float* o = out.data;
  do {
    bool in_padding = false;
    int64_t in_off = 0;
    for (int32_t d = 0; d < last; ++d) {
      const int64_t i = map_index(idx[d] - p.before[d], x.dims[d], p.mode);
      if (i < 0) {
        in_padding = true;
        break;
      }
      in_off += i * in_strides[d];
    }
    if (in_padding) {
      for (int64_t j = 0; j < out_inner; ++j) o[j] = p.value;
    } else {
      const float* row = x.data + in_off;
      for (int64_t j = 0; j < before; ++j) {
        const int64_t i = map_index(j - before, in_inner, p.mode);
        o[j] = i < 0 ? p.value : row[i];
      }
      std::memcpy(o + before, row, static_cast<size_t>(in_inner) * sizeof(float));
      for (int64_t j = 0; j < after; ++j) {
        const int64_t i = map_index(in_inner + j, in_inner, p.mode);
        o[before + in_inner + j] = i < 0 ? p.value : row[i];
      }
    }
    o += out_inner;
  } while (next_index(idx, out.dims, last));
}

}  // namespace nibble::ref
