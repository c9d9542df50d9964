// Binary ADD/SUB/MUL/DIV with numpy broadcasting, then clamped.
//
// The inputs are right-aligned against the output; a missing or size-1
// input dimension is broadcast. The output shape must be exactly the
// broadcast shape (rank = max of the input ranks). Rank-0 (scalar) inputs
// are allowed.
#include "ops/reference/op_checks.h"

namespace nibble::ref {

namespace {

struct AddFn {
  static float apply(float a, float b) { return a + b; }
};
struct SubFn {
  static float apply(float a, float b) { return a - b; }
};
struct MulFn {
  static float apply(float a, float b) { return a * b; }
};
struct DivFn {
  static float apply(float a, float b) { return a / b; }
};

// Dimension `d` of the output (0 = outermost) as seen by input `t`
// right-aligned against an output of rank `out_rank`: 1 where t has none.
int64_t aligned_dim(const TensorView& t, int32_t out_rank, int32_t d) {
  const int32_t k = d - (out_rank - t.rank);
  return k < 0 ? 1 : t.dims[k];
}

template <typename F>
void binary_row(const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n,
                const Activation& act) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = activate(F::apply(a[i], b[i]), act);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = activate(F::apply(a[i], bv), act);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = activate(F::apply(av, b[i]), act);
  } else {
    const float v = activate(F::apply(a[0], b[0]), act);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <typename F>
void binary_run(const BoundOp& op) {
  const TensorView& a = op.inputs[0];
  const TensorView& b = op.inputs[1];
  const TensorView& out = op.outputs[0];
  const Activation& act = op.params.binary.activation;
  const int64_t count = out.numel();
  if (a.numel() == count && b.numel() == count) {
    // Same shapes (up to leading 1s): one flat row. Reads a[i], b[i]
    // before writing o[i], so in-place is fine.
    binary_row<F>(a.data, 1, b.data, 1, out.data, count, act);
    return;
  }
  const int32_t rank = out.rank;  // >= 1 here: a rank-0 output has count 1
  // Element strides of a and b per output dimension; 0 where broadcast.
  int64_t stride_a[kMaxRank], stride_b[kMaxRank];
  int64_t sa = 1, sb = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    const int64_t da = aligned_dim(a, rank, d);
    const int64_t db = aligned_dim(b, rank, d);
    stride_a[d] = da == 1 ? 0 : sa;
    stride_b[d] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  const int64_t inner = out.dims[rank - 1];
  int64_t idx[kMaxRank] = {0};
  float* o = out.data;
  do {
    int64_t off_a = 0, off_b = 0;
    for (int32_t d = 0; d < rank - 1; ++d) {
      off_a += idx[d] * stride_a[d];
      off_b += idx[d] * stride_b[d];
    }
    binary_row<F>(a.data + off_a, stride_a[rank - 1], b.data + off_b, stride_b[rank - 1], o, inner, act);
    o += inner;
  } while (next_index(idx, out.dims, rank - 1));
}

}  // namespace

Status check_binary(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 2, 2));
  const TensorView& a = op.inputs[0];
  const TensorView& b = op.inputs[1];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, a, "input 0", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, b, "input 1", 0, kMaxRank));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 0, kMaxRank));
  const BinaryParams& p = op.params.binary;
  switch (p.kind) {
    case BinaryKind::kAdd:
    case BinaryKind::kSub:
    case BinaryKind::kMul:
    case BinaryKind::kDiv: break;
    default:
      return NIBBLE_OP_ERROR(kUnsupported, "unknown binary kind %u", static_cast<unsigned>(p.kind));
  }
  NIBBLE_RETURN_IF_ERROR(check_activation(op, p.activation));
  const int32_t rank = a.rank > b.rank ? a.rank : b.rank;
  int64_t expected[kMaxRank] = {0};
  for (int32_t d = 0; d < rank; ++d) {
    const int64_t da = aligned_dim(a, rank, d);
    const int64_t db = aligned_dim(b, rank, d);
    if (da != db && da != 1 && db != 1) {
      return NIBBLE_OP_ERROR(kMalformed, "input shapes %s and %s do not broadcast",
                             format_dims(a.dims, a.rank).text, format_dims(b.dims, b.rank).text);
    }
    expected[d] = da > db ? da : db;
  }
  return check_output_shape(op, expected, rank);
}

void run_binary(const BoundOp& op) {
  switch (op.params.binary.kind) {
    case BinaryKind::kAdd: binary_run<AddFn>(op); return;
    case BinaryKind::kSub: binary_run<SubFn>(op); return;
    case BinaryKind::kMul: binary_run<MulFn>(op); return;
    case BinaryKind::kDiv: binary_run<DivFn>(op); return;
  }
}

}  // namespace nibble::ref
