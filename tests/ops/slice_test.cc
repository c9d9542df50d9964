#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp slice_op(Buf& x, Buf& out, std::vector<int64_t> starts, std::vector<int64_t> steps) {
  BoundOp op = make_op(OpCode::kSlice, {&x}, &out, "slice_2");
  for (size_t i = 0; i < starts.size(); ++i) op.params.slice.starts[i] = starts[i];
  for (size_t i = 0; i < steps.size(); ++i) op.params.slice.steps[i] = steps[i];
  return op;
}

// [0,1,2,3,4][4::-2] = [4,2,0]
TEST(RefSlice, NegativeStep1d) {
  Buf x = iota({5});
  Buf out = tensor({3});
  BoundOp op = slice_op(x, out, {4}, {-2});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {4, 2, 0});
}

// x = 0..11 as [3,4]; rows 2,1 (step -1), cols 1,3 (step 2):
// x[2,1]=9, x[2,3]=11, x[1,1]=5, x[1,3]=7
TEST(RefSlice, MixedSteps2d) {
  Buf x = iota({3, 4});
  Buf out = tensor({2, 2});
  BoundOp op = slice_op(x, out, {2, 1}, {-1, 2});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {9, 11, 5, 7});
}

// x = 0..23 as [2,3,4]; [1:2, 0:3:2, 3::-3] -> x[1,{0,2},{3,0}]
// = 12+3, 12+0, 12+8+3, 12+8+0 = 15, 12, 23, 20
TEST(RefSlice, ThreeDims) {
  Buf x = iota({2, 3, 4});
  Buf out = tensor({1, 2, 2});
  BoundOp op = slice_op(x, out, {1, 0, 3}, {1, 2, -3});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {15, 12, 23, 20});
}

TEST(RefSlice, Rejects) {
  Buf x = iota({5});
  {  // 4, 2, 0, -2: the last index is outside
    Buf out = tensor({4});
    BoundOp op = slice_op(x, out, {4}, {-2});
    NIBBLE_EXPECT_REJECTED(op, kOutOfRange);
  }
  {  // start outside
    Buf out = tensor({1});
    BoundOp op = slice_op(x, out, {5}, {1});
    NIBBLE_EXPECT_REJECTED(op, kOutOfRange);
  }
  {  // forward past the end: 1, 3, 5
    Buf out = tensor({3});
    BoundOp op = slice_op(x, out, {1}, {2});
    NIBBLE_EXPECT_REJECTED(op, kOutOfRange);
  }
  {  // zero step
    Buf out = tensor({2});
    BoundOp op = slice_op(x, out, {0}, {0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // start + (count - 1) * step overflows
    Buf out = tensor({3});
    BoundOp op = slice_op(x, out, {0}, {INT64_MAX});
    NIBBLE_EXPECT_REJECTED(op, kOutOfRange);
  }
  {  // rank mismatch
    Buf out = tensor({1, 2});
    BoundOp op = slice_op(x, out, {0, 0}, {1, 1});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
