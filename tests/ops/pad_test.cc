#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp pad_op(Buf& x, Buf& out, PadMode mode, std::vector<int64_t> before, std::vector<int64_t> after,
               float value = 0.0f) {
  BoundOp op = make_op(OpCode::kPad, {&x}, &out, "pad_0");
  op.params.pad.mode = mode;
  for (size_t i = 0; i < before.size(); ++i) op.params.pad.before[i] = before[i];
  for (size_t i = 0; i < after.size(); ++i) op.params.pad.after[i] = after[i];
  op.params.pad.value = value;
  return op;
}

// [[1,2],[3,4]], one row before, one column after, value 9:
//   9 9 9
//   1 2 9
//   3 4 9
TEST(RefPad, Constant2d) {
  Buf x = tensor({2, 2}, {1, 2, 3, 4});
  Buf out = tensor({3, 3});
  BoundOp op = pad_op(x, out, PadMode::kConstant, {1, 0}, {0, 1}, 9.0f);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {9, 9, 9, 1, 2, 9, 3, 4, 9});
}

// Rank 3, x [2,1,2] = [[[1,2]],[[3,4]]], before [0,1,0], after [1,0,1], value -1
// -> [3,2,3]: slice 0 = [[-1,-1,-1],[1,2,-1]], slice 1 = [[-1,-1,-1],[3,4,-1]],
//    slice 2 all -1.
TEST(RefPad, Constant3d) {
  Buf x = tensor({2, 1, 2}, {1, 2, 3, 4});
  Buf out = tensor({3, 2, 3});
  BoundOp op = pad_op(x, out, PadMode::kConstant, {0, 1, 0}, {1, 0, 1}, -1.0f);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {-1, -1, -1, 1, 2, -1,  //
                      -1, -1, -1, 3, 4, -1,  //
                      -1, -1, -1, -1, -1, -1});
}

// numpy: np.pad([1,2,3,4], (2,3), 'reflect') = [3,2,1,2,3,4,3,2,1]
// (i=-2 -> 2, i=-1 -> 1, i=4 -> 2*3-4 = 2, i=5 -> 1, i=6 -> 0)
TEST(RefPad, Reflect1d) {
  Buf x = tensor({4}, {1, 2, 3, 4});
  Buf out = tensor({9});
  BoundOp op = pad_op(x, out, PadMode::kReflect, {2}, {3});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {3, 2, 1, 2, 3, 4, 3, 2, 1});
}

// np.pad([[1,2,3],[4,5,6]], 1, 'reflect'):
// rows map [-1,0,1,2] -> [1,0,1,0]; cols map [-1,0,1,2,3] -> [1,0,1,2,1]
TEST(RefPad, Reflect2d) {
  Buf x = iota({2, 3}, 1.0f);
  Buf out = tensor({4, 5});
  BoundOp op = pad_op(x, out, PadMode::kReflect, {1, 1}, {1, 1});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {5, 4, 5, 6, 5,  //
                      2, 1, 2, 3, 2,  //
                      5, 4, 5, 6, 5,  //
                      2, 1, 2, 3, 2});
}

// np.pad([[1,2],[3,4]], ((0,1),(2,1)), 'edge'):
// rows [0,1,1]; cols [0,0,0,1,1]
TEST(RefPad, Edge2d) {
  Buf x = tensor({2, 2}, {1, 2, 3, 4});
  Buf out = tensor({3, 5});
  BoundOp op = pad_op(x, out, PadMode::kEdge, {0, 2}, {1, 1});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {1, 1, 1, 2, 2,  //
                      3, 3, 3, 4, 4,  //
                      3, 3, 3, 4, 4});
}

TEST(RefPad, Rejects) {
  Buf x = tensor({2, 3});
  {  // reflect pad equal to the dim size
    Buf out = tensor({4, 3});
    BoundOp op = pad_op(x, out, PadMode::kReflect, {2, 0}, {0, 0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // negative pad
    Buf out = tensor({1, 3});
    BoundOp op = pad_op(x, out, PadMode::kConstant, {-1, 0}, {0, 0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // wrong output shape
    Buf out = tensor({3, 3});
    BoundOp op = pad_op(x, out, PadMode::kEdge, {1, 0}, {1, 0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // size overflows
    Buf out = tensor({2, 3});
    BoundOp op = pad_op(x, out, PadMode::kConstant, {INT64_MAX, 0}, {1, 0});
    NIBBLE_EXPECT_REJECTED(op, kOverflow);
  }
  {  // unknown mode
    Buf out = tensor({2, 3});
    BoundOp op = pad_op(x, out, static_cast<PadMode>(7), {0, 0}, {0, 0});
    NIBBLE_EXPECT_REJECTED(op, kUnsupported);
  }
}

}  // namespace
}  // namespace nibble::test
