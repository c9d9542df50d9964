#include <random>

#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp conv_op(Buf& x, Buf& w, Buf* bias, Buf& out, Window2d win, int32_t groups = 1,
                Activation act = no_activation()) {
  std::vector<Buf*> inputs = {&x, &w};
  if (bias != nullptr) inputs.push_back(bias);
  BoundOp op = make_op(OpCode::kConv2d, inputs, &out, "conv_a");
  op.params.conv2d.window = win;
  op.params.conv2d.groups = groups;
  op.params.conv2d.activation = act;
  return op;
}

// x (3x3, one channel):   w (2x2):   bias 10
//   1 2 3                   1 2
//   4 5 6                   3 4
//   7 8 9
TEST(RefConv2d, Basic2x2WithBias) {
  Buf x = iota({1, 3, 3, 1}, 1.0f);
  Buf w = tensor({1, 2, 2, 1}, {1, 2, 3, 4});
  Buf b = tensor({1}, {10});
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = conv_op(x, w, &b, out, window(2, 2));
  NIBBLE_CHECK_AND_RUN(op);
  // (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37, + 10 = 47
  // (0,1): 2*1 + 3*2 + 5*3 + 6*4 = 47, + 10 = 57
  // (1,0): 4*1 + 5*2 + 7*3 + 8*4 = 67, + 10 = 77
  // (1,1): 5*1 + 6*2 + 8*3 + 9*4 = 77, + 10 = 87
  expect_values(out, {47, 57, 77, 87});
}

// 1x1 conv, two input and two output channels, no bias.
// pixels: [1,2] [3,4] [5,6] [7,8]; w oc0 = [1,1], oc1 = [1,-1]
TEST(RefConv2d, PointwiseNoBias) {
  Buf x = iota({1, 2, 2, 2}, 1.0f);
  Buf w = tensor({2, 1, 1, 2}, {1, 1, 1, -1});
  Buf out = tensor({1, 2, 2, 2});
  BoundOp op = conv_op(x, w, nullptr, out, window(1, 1));
  NIBBLE_CHECK_AND_RUN(op);
  // [1+2, 1-2], [3+4, 3-4], [5+6, 5-6], [7+8, 7-8]
  expect_values(out, {3, -1, 7, -1, 11, -1, 15, -1});
}

// Same, fused clamp to [-1, 6] (relu6-like with a negative floor).
TEST(RefConv2d, FusedClamp) {
  Buf x = iota({1, 2, 2, 2}, 1.0f);
  Buf w = tensor({2, 1, 1, 2}, {1, 1, 1, -1});
  Buf out = tensor({1, 2, 2, 2});
  BoundOp op = conv_op(x, w, nullptr, out, window(1, 1), 1, Activation{-1.0f, 6.0f});
  NIBBLE_CHECK_AND_RUN(op);
  // [3,-1] [7->6,-1] [11->6,-1] [15->6,-1]
  expect_values(out, {3, -1, 6, -1, 6, -1, 6, -1});
}

// Stride 2 with asymmetric padding: top 0, left 1, bottom 1, right 0.
// x = 1..9 (3x3), w = [[1,2],[3,4]].
// OH = floor((3 + 0 + 1 - 1*(2-1) - 1) / 2) + 1 = 2, OW likewise 2.
// iy = 2*oy + ky, ix = 2*ox - 1 + kx.
TEST(RefConv2d, Stride2AsymmetricPadding) {
  Buf x = iota({1, 3, 3, 1}, 1.0f);
  Buf w = tensor({1, 2, 2, 1}, {1, 2, 3, 4});
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = conv_op(x, w, nullptr, out, window(2, 2, 2, 2, 1, 1, /*top*/ 0, /*left*/ 1, /*bottom*/ 1,
                                                   /*right*/ 0));
  NIBBLE_CHECK_AND_RUN(op);
  // (0,0): ix -1 is padding; x(0,0)=1 * 2 + x(1,0)=4 * 4 = 18
  // (0,1): 2*1 + 3*2 + 5*3 + 6*4 = 47
  // (1,0): iy 3 is padding; x(2,0)=7 * 2 = 14
  // (1,1): iy 3 is padding; x(2,1)=8 * 1 + x(2,2)=9 * 2 = 26
  expect_values(out, {18, 47, 14, 26});
}

// Dilation 2: x = 1..16 (4x4), w = [[1,2],[3,4]]; OH = 4 - 2*1 - 1 + 1 = 2.
// iy = oy + 2*ky, ix = ox + 2*kx.
TEST(RefConv2d, Dilation2) {
  Buf x = iota({1, 4, 4, 1}, 1.0f);
  Buf w = tensor({1, 2, 2, 1}, {1, 2, 3, 4});
  Buf out = tensor({1, 2, 2, 1});
  BoundOp op = conv_op(x, w, nullptr, out, window(2, 2, 1, 1, 2, 2));
  NIBBLE_CHECK_AND_RUN(op);
  // (0,0): 1*1 + 3*2 + 9*3 + 11*4 = 1 + 6 + 27 + 44 = 78
  // (0,1): 2*1 + 4*2 + 10*3 + 12*4 = 2 + 8 + 30 + 48 = 88
  // (1,0): 5*1 + 7*2 + 13*3 + 15*4 = 5 + 14 + 39 + 60 = 118
  // (1,1): 6*1 + 8*2 + 14*3 + 16*4 = 6 + 16 + 42 + 64 = 128
  expect_values(out, {78, 88, 118, 128});
}

// groups = 2: x = [1,2,3,4] (1x1 pixel, C=4); O = 4, weights [4,1,1,2].
// group 0 (oc0, oc1) sees ic 0,1; group 1 (oc2, oc3) sees ic 2,3.
TEST(RefConv2d, Groups2) {
  Buf x = tensor({1, 1, 1, 4}, {1, 2, 3, 4});
  Buf w = tensor({4, 1, 1, 2}, {1, 1, /**/ 1, -1, /**/ 2, 0, /**/ 0, 3});
  Buf out = tensor({1, 1, 1, 4});
  BoundOp op = conv_op(x, w, nullptr, out, window(1, 1), 2);
  NIBBLE_CHECK_AND_RUN(op);
  // oc0 = 1 + 2 = 3; oc1 = 1 - 2 = -1; oc2 = 2*3 = 6; oc3 = 3*4 = 12
  expect_values(out, {3, -1, 6, 12});
}

// Depthwise (groups = C = 2), 2x2 kernel, bias, then relu.
// channel 0 pixels 1,2,3,4 with kernel [1,2,3,4], bias 0.5;
// channel 1 pixels 10,20,30,40 with kernel [1,0,0,-1], bias -0.5.
TEST(RefConv2d, DepthwiseWithRelu) {
  Buf x = tensor({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  Buf w = tensor({2, 2, 2, 1}, {1, 2, 3, 4, /**/ 1, 0, 0, -1});
  Buf b = tensor({2}, {0.5f, -0.5f});
  Buf out = tensor({1, 1, 1, 2});
  {
    BoundOp op = conv_op(x, w, &b, out, window(2, 2), 2);
    NIBBLE_CHECK_AND_RUN(op);
    // ch0: 0.5 + 1*1 + 2*2 + 3*3 + 4*4 = 30.5; ch1: -0.5 + 10 - 40 = -30.5
    expect_values(out, {30.5f, -30.5f});
  }
  {
    BoundOp op = conv_op(x, w, &b, out, window(2, 2), 2, Activation{0.0f, kInf});
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {30.5f, 0.0f});
  }
}

// The blocked kernel against a plain loop in the same summation order
// (bias, then ky, kx, ic ascending): results must be bit-identical.
// Shapes cover output-channel tails (O % 8 != 0), several groups, batch,
// and reductions longer than one packed chunk (KH*KW*C/groups > 1024).
struct ConvCase {
  int64_t n, h, w, c, o, groups;
  Window2d win;
  bool bias;
};

void naive_conv(const ConvCase& k, const Buf& x, const Buf& w, const Buf* b, int64_t oh, int64_t ow,
                std::vector<float>* out) {
  const int64_t cg = k.c / k.groups, og = k.o / k.groups;
  out->assign(static_cast<size_t>(k.n * oh * ow * k.o), 0.0f);
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo)
        for (int64_t oc = 0; oc < k.o; ++oc) {
          const int64_t g = oc / og;
          float acc = b != nullptr ? b->data[oc] : 0.0f;
          for (int64_t ky = 0; ky < k.win.kernel_h; ++ky)
            for (int64_t kx = 0; kx < k.win.kernel_w; ++kx) {
              const int64_t iy = y * k.win.stride_h - k.win.pad_top + ky * k.win.dilation_h;
              const int64_t ix = xo * k.win.stride_w - k.win.pad_left + kx * k.win.dilation_w;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              for (int64_t ic = 0; ic < cg; ++ic)
                acc += x.data[((n * k.h + iy) * k.w + ix) * k.c + g * cg + ic] *
                       w.data[((oc * k.win.kernel_h + ky) * k.win.kernel_w + kx) * cg + ic];
            }
          (*out)[((n * oh + y) * ow + xo) * k.o + oc] = acc;
        }
}

TEST(RefConv2d, MatchesNaiveLoopBitExactly) {
  const ConvCase cases[] = {
      {1, 5, 6, 3, 5, 1, window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true},
      {2, 7, 5, 4, 11, 1, window(3, 2, 2, 1, 1, 2, 0, 2, 1, 0), false},
      {1, 6, 6, 6, 9, 3, window(3, 3, 2, 2, 2, 1, 2, 1, 0, 1), true},
      {1, 5, 5, 8, 8, 8, window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true},    // depthwise
      {2, 6, 7, 13, 13, 13, window(3, 2, 2, 1, 1, 2, 1, 0, 2, 1), false}, // depthwise, tail
      {1, 4, 4, 6, 12, 6, window(2, 2, 1, 1, 1, 1, 0, 0, 1, 1), true},    // channel multiplier 2
      {1, 40, 40, 9, 9, 9, window(33, 33, 1, 1, 1, 1, 16, 16, 16, 16), true}, // 1089 taps > 1024
      {1, 4, 4, 130, 17, 1, window(3, 3, 1, 1, 1, 1, 1, 1, 1, 1), true}, // 1170 > 1024
      {1, 3, 3, 2100, 4, 2, window(1, 1), false},                        // 1050 per group
  };
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (const ConvCase& k : cases) {
    const int64_t oh =
        (k.h + k.win.pad_top + k.win.pad_bottom - k.win.dilation_h * (k.win.kernel_h - 1) - 1) / k.win.stride_h + 1;
    const int64_t ow =
        (k.w + k.win.pad_left + k.win.pad_right - k.win.dilation_w * (k.win.kernel_w - 1) - 1) / k.win.stride_w + 1;
    Buf x = tensor({k.n, k.h, k.w, k.c});
    Buf w = tensor({k.o, k.win.kernel_h, k.win.kernel_w, k.c / k.groups});
    Buf b = tensor({k.o});
    for (float& v : x.data) v = dist(rng);
    for (float& v : w.data) v = dist(rng);
    for (float& v : b.data) v = dist(rng);
    Buf out = tensor({k.n, oh, ow, k.o});
    BoundOp op = conv_op(x, w, k.bias ? &b : nullptr, out, k.win, static_cast<int32_t>(k.groups));
    NIBBLE_CHECK_AND_RUN(op);
    std::vector<float> expected;
    naive_conv(k, x, w, k.bias ? &b : nullptr, oh, ow, &expected);
    expect_values(out, expected);
  }
}

TEST(RefConv2d, RejectsBadShapesAndParams) {
  Buf x = iota({1, 3, 3, 4});
  Buf w = tensor({2, 2, 2, 4});
  Buf b = tensor({2});
  Buf out = tensor({1, 2, 2, 2});
  {
    BoundOp op = conv_op(x, w, &b, out, window(2, 2));
    EXPECT_TRUE(ref::check_op(op).is_ok());
  }
  {  // wrong output shape
    Buf bad = tensor({1, 2, 3, 2});
    BoundOp op = conv_op(x, w, &b, bad, window(2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // zero stride
    BoundOp op = conv_op(x, w, &b, out, window(2, 2, 0, 1));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // zero dilation
    BoundOp op = conv_op(x, w, &b, out, window(2, 2, 1, 1, 1, 0));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // negative pad
    BoundOp op = conv_op(x, w, &b, out, window(2, 2, 1, 1, 1, 1, -1));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // groups 3 does not divide C = 4
    Buf w3 = tensor({3, 2, 2, 1});
    Buf out3 = tensor({1, 2, 2, 3});
    BoundOp op = conv_op(x, w3, nullptr, out3, window(2, 2), 3);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // groups 2 divides C = 4 but not O = 3
    Buf w3 = tensor({3, 2, 2, 2});
    Buf out3 = tensor({1, 2, 2, 3});
    BoundOp op = conv_op(x, w3, nullptr, out3, window(2, 2), 2);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // groups 0
    BoundOp op = conv_op(x, w, &b, out, window(2, 2), 0);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // weights kernel disagrees with params
    BoundOp op = conv_op(x, w, &b, out, window(3, 3, 1, 1, 1, 1, 1, 1, 0, 0));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // weights in-channels disagree with C / groups
    Buf w2 = tensor({2, 2, 2, 3});
    BoundOp op = conv_op(x, w2, &b, out, window(2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // bias of the wrong size
    Buf b3 = tensor({3});
    BoundOp op = conv_op(x, w, &b3, out, window(2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // kernel larger than the padded input
    Buf w5 = tensor({2, 5, 5, 4});
    Buf out1 = tensor({1, 1, 1, 2});
    BoundOp op = conv_op(x, w5, &b, out1, window(5, 5));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // activation min > max, and NaN
    BoundOp op = conv_op(x, w, &b, out, window(2, 2), 1, Activation{1.0f, 0.0f});
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.params.conv2d.activation = Activation{std::numeric_limits<float>::quiet_NaN(), 1.0f};
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // input rank 3
    Buf x3 = iota({3, 3, 4});
    BoundOp op = conv_op(x3, w, &b, out, window(2, 2));
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // 1 input / 4 inputs
    BoundOp op = conv_op(x, w, &b, out, window(2, 2));
    op.num_inputs = 1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.num_inputs = 4;
    op.inputs[3] = view(b);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

}  // namespace
}  // namespace nibble::test
