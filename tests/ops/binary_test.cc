#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp binary_op(BinaryKind kind, Buf& a, Buf& b, Buf& out, Activation act = no_activation()) {
  BoundOp op = make_op(OpCode::kBinary, {&a, &b}, &out, "add_7");
  op.params.binary.kind = kind;
  op.params.binary.activation = act;
  return op;
}

// [[1,2,3],[4,5,6]] + [10,20,30]
TEST(RefBinary, AddBroadcastRow) {
  Buf a = iota({2, 3}, 1.0f);
  Buf b = tensor({3}, {10, 20, 30});
  Buf out = tensor({2, 3});
  BoundOp op = binary_op(BinaryKind::kAdd, a, b, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {11, 22, 33, 14, 25, 36});
}

// a [2,1,3] = [[[1,2,3]],[[4,5,6]]] * b [4,1] = [[1],[2],[3],[4]] -> [2,4,3]
// out[i,j,k] = a[i,0,k] * b[j,0]
TEST(RefBinary, MulBroadcastBothSides) {
  Buf a = iota({2, 1, 3}, 1.0f);
  Buf b = tensor({4, 1}, {1, 2, 3, 4});
  Buf out = tensor({2, 4, 3});
  BoundOp op = binary_op(BinaryKind::kMul, a, b, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12,  //
                      4, 5, 6, 8, 10, 12, 12, 15, 18, 16, 20, 24});
}

// The broadcast input first: [3] - [2,3]
TEST(RefBinary, SubBroadcastLeft) {
  Buf a = tensor({3}, {10, 20, 30});
  Buf b = iota({2, 3}, 1.0f);
  Buf out = tensor({2, 3});
  BoundOp op = binary_op(BinaryKind::kSub, a, b, out);
  NIBBLE_CHECK_AND_RUN(op);
  // [10-1, 20-2, 30-3], [10-4, 20-5, 30-6]
  expect_values(out, {9, 18, 27, 6, 15, 24});
}

// [5,1,-2,8] - [1,2,3,4] = [4,-1,-5,4], clamped to [-2, 3] -> [3,-1,-2,3]
TEST(RefBinary, SubSameShapeClamped) {
  Buf a = tensor({4}, {5, 1, -2, 8});
  Buf b = tensor({4}, {1, 2, 3, 4});
  Buf out = tensor({4});
  BoundOp op = binary_op(BinaryKind::kSub, a, b, out, Activation{-2.0f, 3.0f});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {3, -1, -2, 3});
}

// [[8,6],[3,9]] / [[2],[3]] = [[4,3],[1,3]]
TEST(RefBinary, DivColumnBroadcast) {
  Buf a = tensor({2, 2}, {8, 6, 3, 9});
  Buf b = tensor({2, 1}, {2, 3});
  Buf out = tensor({2, 2});
  BoundOp op = binary_op(BinaryKind::kDiv, a, b, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {4, 3, 1, 3});
}

// Rank-0 scalar: [1,2,3] * 0.5 = [0.5, 1, 1.5]
TEST(RefBinary, ScalarInput) {
  Buf a = tensor({3}, {1, 2, 3});
  Buf b = tensor({}, {0.5f});
  Buf out = tensor({3});
  BoundOp op = binary_op(BinaryKind::kMul, a, b, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0.5f, 1.0f, 1.5f});
}

// Output aliasing input 0 (same shape) is allowed: in-place add.
TEST(RefBinary, InPlace) {
  Buf a = tensor({2, 2}, {1, 2, 3, 4});
  Buf b = tensor({2}, {10, 100});
  BoundOp op = binary_op(BinaryKind::kAdd, a, b, a);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(a, {11, 102, 13, 104});
}

TEST(RefBinary, Rejects) {
  Buf a = iota({2, 3});
  Buf out = tensor({2, 3});
  {  // [2,3] and [2] do not broadcast
    Buf b = tensor({2});
    BoundOp op = binary_op(BinaryKind::kAdd, a, b, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // output is not the broadcast shape
    Buf b = tensor({3});
    Buf bad = tensor({1, 2, 3});
    BoundOp op = binary_op(BinaryKind::kAdd, a, b, bad);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // unknown kind
    Buf b = tensor({3});
    BoundOp op = binary_op(static_cast<BinaryKind>(9), a, b, out);
    NIBBLE_EXPECT_REJECTED(op, kUnsupported);
  }
  {  // broadcast input aliasing the output
    Buf big = tensor({2, 3});
    TensorView v = view(big);
    v.rank = 1;
    v.dims[0] = 3;
    BoundOp op = binary_op(BinaryKind::kAdd, a, big, big);
    op.inputs[1] = v;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
