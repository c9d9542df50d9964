#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp pool_op(OpCode code, Buf& x, Buf& out, Window2d win, bool count_include_pad = false,
                Activation act = no_activation()) {
  BoundOp op = make_op(code, {&x}, &out, "pool_3");
  op.params.pool2d.window = win;
  op.params.pool2d.count_include_pad = count_include_pad;
  op.params.pool2d.activation = act;
  return op;
}

// 4x4 of 1..16, 2x2 stride 2: maxima of each quadrant.
TEST(RefMaxPool2d, Basic) {
  Buf x = iota({1, 4, 4, 1}, 1.0f);
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2, 2, 2, 2));
  NIBBLE_CHECK_AND_RUN(op);
  // max(1,2,5,6)=6, max(3,4,7,8)=8, max(9,10,13,14)=14, max(11,12,15,16)=16
  expect_values(out, {6, 8, 14, 16});
}

// 3x3, two channels (channel 1 = -channel 0):
//    1 -2  3
//   -4  5 -6
//    7 -8  9
// kernel 2x2, dilation 2, pad 1 on every side, stride 1:
// OH = (3 + 2 - 2*1 - 1) / 1 + 1 = 3; taps iy = oy - 1 + 2*ky in {oy-1, oy+1}
// so valid rows are: oy=0 -> {1}, oy=1 -> {0,2}, oy=2 -> {1}; same for cols.
TEST(RefMaxPool2d, PaddingAndDilation) {
  const float v[9] = {1, -2, 3, -4, 5, -6, 7, -8, 9};
  Buf x = tensor({1, 3, 3, 2});
  for (int i = 0; i < 9; ++i) {
    x.data[i * 2] = v[i];
    x.data[i * 2 + 1] = -v[i];
  }
  Buf out = tensor({1, 3, 3, 2});
  BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2, 2, 1, 1, 2, 2, 1, 1, 1, 1));
  NIBBLE_CHECK_AND_RUN(op);
  // ch0: (0,0) {x11}=5; (0,1) {x10,x12}=max(-4,-6)=-4; (0,2) 5;
  //      (1,0) {x01,x21}=max(-2,-8)=-2; (1,1) {1,3,7,9}=9; (1,2) -2;
  //      (2,*) like (0,*).
  // ch1: (0,0) -5; (0,1) max(4,6)=6; (1,0) max(2,8)=8; (1,1) max(-1,-3,-7,-9)=-1.
  expect_values(out, {5, -5, -4, 6, 5, -5,  //
                      -2, 8, 9, -1, -2, 8,  //
                      5, -5, -4, 6, 5, -5});
}

// A window entirely in the padding has no taps: -inf before the clamp.
// x = [3], 1x1 kernel, pad 1 -> 3x3 output, only the centre sees x.
TEST(RefMaxPool2d, WindowOnlyInPadding) {
  Buf x = tensor({1, 1, 1, 1}, {3});
  Buf out = tensor({1, 3, 3, 1});
  {
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {-kInf, -kInf, -kInf, -kInf, 3, -kInf, -kInf, -kInf, -kInf});
  }
  {
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), false,
                         Activation{-10.0f, 2.0f});
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {-10, -10, -10, -10, 2, -10, -10, -10, -10});
  }
}

// x = 1..9 (3x3), kernel 2x2, stride 2, pad 1 each side: OH = (3+2-2)/2+1 = 2.
// Taps iy = 2*oy - 1 + ky: oy=0 -> {-1,0}, oy=1 -> {1,2}; same for columns.
//   (0,0): x00 = 1 (1 valid tap of 4)
//   (0,1): x01 + x02 = 2 + 3 = 5 (2 valid)
//   (1,0): x10 + x20 = 4 + 7 = 11 (2 valid)
//   (1,1): 5 + 6 + 8 + 9 = 28 (4 valid)
// All 4 taps of every window are inside the padded input.
TEST(RefAveragePool2d, CountIncludePad) {
  Buf x = iota({1, 3, 3, 1}, 1.0f);
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(2, 2, 2, 2, 1, 1, 1, 1, 1, 1), true);
  NIBBLE_CHECK_AND_RUN(op);
  // 1/4, 5/4, 11/4, 28/4
  expect_values(out, {0.25f, 1.25f, 2.75f, 7.0f});
}

TEST(RefAveragePool2d, ExcludePad) {
  Buf x = iota({1, 3, 3, 1}, 1.0f);
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(2, 2, 2, 2, 1, 1, 1, 1, 1, 1), false);
  NIBBLE_CHECK_AND_RUN(op);
  // 1/1, 5/2, 11/2, 28/4
  expect_values(out, {1.0f, 2.5f, 5.5f, 7.0f});
}

// Asymmetric padding (bottom/right only), two channels, clamp:
// x ch0 = 1..4 (2x2), ch1 = 10 * ch0; kernel 2x2 stride 1, pad bottom 1, right 1
// -> 2x2 output; windows (0,0) has 4 valid taps, (0,1) 2, (1,0) 2, (1,1) 1.
TEST(RefAveragePool2d, AsymmetricPaddingBothModes) {
  Buf x = tensor({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  Buf out = tensor({1, 2, 2, 2});
  {
    BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(2, 2, 1, 1, 1, 1, 0, 0, 1, 1), true);
    NIBBLE_CHECK_AND_RUN(op);
    // sums: (0,0) 1+2+3+4=10 / 100; (0,1) 2+4=6 / 60; (1,0) 3+4=7 / 70; (1,1) 4 / 40; all / 4
    expect_values(out, {2.5f, 25.0f, 1.5f, 15.0f, 1.75f, 17.5f, 1.0f, 10.0f});
  }
  {
    BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(2, 2, 1, 1, 1, 1, 0, 0, 1, 1), false,
                         Activation{0.0f, 20.0f});
    NIBBLE_CHECK_AND_RUN(op);
    // 10/4=2.5, 100/4=25->20; 6/2=3, 60/2=30->20; 7/2=3.5, 70/2=35->20; 4/1=4, 40->20
    expect_values(out, {2.5f, 20.0f, 3.0f, 20.0f, 3.5f, 20.0f, 4.0f, 20.0f});
  }
}

// Exclude-pad window with no valid tap gives 0.
TEST(RefAveragePool2d, WindowOnlyInPadding) {
  Buf x = tensor({1, 1, 1, 1}, {4});
  Buf out = tensor({1, 3, 3, 1});
  BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), false);
  NIBBLE_CHECK_AND_RUN(op);
  expect_values(out, {0, 0, 0, 0, 4, 0, 0, 0, 0});
}

TEST(RefPool2d, Rejects) {
  Buf x = iota({1, 4, 4, 2});
  Buf out = tensor({1, 2, 2, 2});
  {
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2, 2, 2, 2));
    EXPECT_TRUE(ref::check_op(op).is_ok());
  }
  {  // zero stride
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2, 2, 0, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // zero kernel
    BoundOp op = pool_op(OpCode::kAveragePool2d, x, out, window(0, 2, 2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // wrong output (channel count)
    Buf bad = tensor({1, 2, 2, 1});
    BoundOp op = pool_op(OpCode::kAveragePool2d, x, bad, window(2, 2, 2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // output aliasing the input
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2, 2, 2, 2));
    op.outputs[0].data = x.data.data();
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // huge kernel and dilation from a file: rejected, no overflow
    BoundOp op = pool_op(OpCode::kMaxPool2d, x, out, window(2147483647, 2, 1, 1, 2147483647, 1));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
