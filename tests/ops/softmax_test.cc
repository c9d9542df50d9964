#include <cmath>

#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp softmax_op(Buf& x, Buf& out, int32_t axis) {
  BoundOp op = make_op(OpCode::kSoftmax, {&x}, &out, "prob");
  op.params.softmax.axis = axis;
  return op;
}

// Row [1,2,3]: max 3 -> e^-2 = 0.1353353, e^-1 = 0.3678794, e^0 = 1,
// sum 1.5032147 -> [0.0900306, 0.2447285, 0.6652410].
// Row [0,0,0] -> [1/3, 1/3, 1/3].
TEST(RefSoftmax, LastAxis) {
  Buf x = tensor({2, 3}, {1, 2, 3, 0, 0, 0});
  Buf out = tensor({2, 3});
  BoundOp op = softmax_op(x, out, 1);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0.0900306f, 0.2447285f, 0.6652410f, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f}, 1e-6f);
}

// Axis 0 of [[0, 1], [ln 3, 1]]: column 0 -> [1, 3] / 4, column 1 -> [0.5, 0.5].
TEST(RefSoftmax, FirstAxis) {
  Buf x = tensor({2, 2}, {0, 1, std::log(3.0f), 1});
  Buf out = tensor({2, 2});
  BoundOp op = softmax_op(x, out, 0);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0.25f, 0.5f, 0.75f, 0.5f}, 1e-6f);
}

// Middle axis of [2,2,2]; large values must not overflow (max subtracted):
// every pair along axis 1 is (v, v + ln 3) -> [0.25, 0.75].
TEST(RefSoftmax, MiddleAxisLargeValuesInPlace) {
  const float l3 = std::log(3.0f);
  Buf x = tensor({2, 2, 2}, {1000, -1000, 1000 + l3, -1000 + l3, 50, 0, 50 + l3, l3});
  BoundOp op = softmax_op(x, x, 1);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(x, {0.25f, 0.25f, 0.75f, 0.75f, 0.25f, 0.25f, 0.75f, 0.75f}, 1e-5f);
}

TEST(RefSoftmax, Rejects) {
  Buf x = iota({2, 3});
  Buf out = tensor({2, 3});
  BoundOp op = softmax_op(x, out, 2);
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
  op.params.softmax.axis = -1;
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
  Buf bad = tensor({3, 2});
  BoundOp op2 = softmax_op(x, bad, 1);
  NIBBLE_EXPECT_REJECTED(op2, kMalformed);
}

}  // namespace
}  // namespace nibble::test
