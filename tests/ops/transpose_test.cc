#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp transpose_op(Buf& x, Buf& out, std::vector<int32_t> perm) {
  BoundOp op = make_op(OpCode::kTranspose, {&x}, &out, "to_nchw");
  for (size_t i = 0; i < perm.size(); ++i) op.params.transpose.perm[i] = perm[i];
  return op;
}

// x = 0..23 as [2,3,4] (x[j,k,i] = 12j + 4k + i), perm [2,0,1] -> [4,2,3],
// out[i,j,k] = x[j,k,i] = 12j + 4k + i.
TEST(RefTranspose, ThreeDims) {
  Buf x = iota({2, 3, 4});
  Buf out = tensor({4, 2, 3});
  BoundOp op = transpose_op(x, out, {2, 0, 1});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0, 4, 8, 12, 16, 20,  //
                      1, 5, 9, 13, 17, 21,  //
                      2, 6, 10, 14, 18, 22,  //
                      3, 7, 11, 15, 19, 23});
}

// [[1,2,3],[4,5,6]]^T
TEST(RefTranspose, Matrix) {
  Buf x = iota({2, 3}, 1.0f);
  Buf out = tensor({3, 2});
  BoundOp op = transpose_op(x, out, {1, 0});
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {1, 4, 2, 5, 3, 6});
}

TEST(RefTranspose, Rejects) {
  Buf x = iota({2, 3, 4});
  Buf out = tensor({4, 2, 3});
  {  // repeated entry
    BoundOp op = transpose_op(x, out, {2, 0, 0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // entry out of range
    BoundOp op = transpose_op(x, out, {3, 0, 1});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // negative entry
    BoundOp op = transpose_op(x, out, {-1, 0, 1});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // output shape of another perm
    BoundOp op = transpose_op(x, out, {1, 2, 0});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
