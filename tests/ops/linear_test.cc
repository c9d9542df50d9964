#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp linear_op(Buf& x, Buf& w, Buf* bias, Buf& out, Activation act = no_activation()) {
  std::vector<Buf*> inputs = {&x, &w};
  if (bias != nullptr) inputs.push_back(bias);
  BoundOp op = make_op(OpCode::kLinear, inputs, &out, "fc_1");
  op.params.linear.activation = act;
  return op;
}

// x = [[1,2,3],[4,5,6]], w = [[1,0,-1],[2,1,0]], b = [1,-1]
TEST(RefLinear, WithBias) {
  Buf x = iota({2, 3}, 1.0f);
  Buf w = tensor({2, 3}, {1, 0, -1, 2, 1, 0});
  Buf b = tensor({2}, {1, -1});
  Buf out = tensor({2, 2});
  BoundOp op = linear_op(x, w, &b, out);
  NIBBLE_CHECK_AND_RUN(op);
  // [0,0] = 1 - 3 + 1 = -1;  [0,1] = 2 + 2 - 1 = 3
  // [1,0] = 4 - 6 + 1 = -1;  [1,1] = 8 + 5 - 1 = 12
  expect_values(out, {-1, 3, -1, 12});
}

TEST(RefLinear, NoBiasAndRelu) {
  Buf x = iota({2, 3}, 1.0f);
  Buf w = tensor({2, 3}, {1, 0, -1, 2, 1, 0});
  Buf out = tensor({2, 2});
  {
    BoundOp op = linear_op(x, w, nullptr, out);
    NIBBLE_CHECK_AND_RUN(op);
    // [1-3, 2+2], [4-6, 8+5]
    expect_values(out, {-2, 4, -2, 13});
  }
  {
    BoundOp op = linear_op(x, w, nullptr, out, Activation{0.0f, kInf});
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {0, 4, 0, 13});
  }
}

// 10 outputs (a partial block of output channels), K = 3:
// w[n] = [n, 1, 0], x = [1, 2, 3] -> out[n] = n + 2.
TEST(RefLinear, OutputTail) {
  Buf x = tensor({1, 3}, {1, 2, 3});
  Buf w = tensor({10, 3});
  for (int n = 0; n < 10; ++n) {
    w.data[n * 3] = static_cast<float>(n);
    w.data[n * 3 + 1] = 1.0f;
  }
  Buf out = tensor({1, 10});
  BoundOp op = linear_op(x, w, nullptr, out);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
}

TEST(RefLinear, Rejects) {
  Buf x = iota({2, 3});
  Buf w = tensor({4, 3});
  Buf out = tensor({2, 4});
  {
    Buf bad = tensor({2, 3});
    BoundOp op = linear_op(x, w, nullptr, bad);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf w2 = tensor({4, 2});
    BoundOp op = linear_op(x, w2, nullptr, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf b = tensor({3});
    BoundOp op = linear_op(x, w, &b, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf x3 = iota({1, 2, 3});
    BoundOp op = linear_op(x3, w, nullptr, out);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
