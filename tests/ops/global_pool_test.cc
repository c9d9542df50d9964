#include "op_test_util.h"

namespace nibble::test {
namespace {

// Two images, 2x2 pixels, two channels.
// image 0: ch0 = 1,2,3,4 -> 10/4 = 2.5; ch1 = 10,20,30,60 -> 120/4 = 30
// image 1: ch0 = -1 x4 -> -1;          ch1 = 0,0,0,8 -> 8/4 = 2
TEST(RefGlobalAveragePool, MeanAndClamp) {
  Buf x = tensor({2, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 60,  //
                                -1, 0, -1, 0, -1, 0, -1, 8});
  Buf out = tensor({2, 1, 1, 2});
  BoundOp op = make_op(OpCode::kGlobalAveragePool, {&x}, &out, "gap");
  op.params.global_pool.activation = no_activation();
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {2.5f, 30.0f, -1.0f, 2.0f});

  op.params.global_pool.activation = Activation{0.0f, 25.0f};
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {2.5f, 25.0f, 0.0f, 2.0f});
}

TEST(RefGlobalAveragePool, Rejects) {
  Buf x = iota({1, 2, 2, 3});
  Buf bad = tensor({1, 3});
  BoundOp op = make_op(OpCode::kGlobalAveragePool, {&x}, &bad, "gap");
  op.params.global_pool.activation = no_activation();
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
  Buf bad2 = tensor({1, 1, 1, 2});
  op.outputs[0] = view(bad2);
  NIBBLE_EXPECT_REJECTED(op, kMalformed);
}

}  // namespace
}  // namespace nibble::test
