// CONV2D and LINEAR through XNNPACK vs the reference.
// Tolerance kGemm: |xnn - ref| <= 1e-4 + 1e-4 * |ref| (XNNPACK's GEMM/IGEMM
// and depthwise kernels sum in a different order than the reference).
#include <random>

#include "xnnpack_test_util.h"

namespace nibble::xnnpack::testing {
namespace {

struct ConvSpec {
  const char* label;
  int64_t n, h, w, c, o;
  int32_t kh, kw, sh, sw, dh, dw;
  int32_t pt, pl, pb, pr;
  int32_t groups;
  bool bias;
  Activation act;
};

int64_t out_size(int64_t in, int32_t k, int32_t s, int32_t d, int32_t pa, int32_t pb) {
  return (in + pa + pb - (int64_t{k - 1} * d + 1)) / s + 1;
}

OpCase make_conv(const ConvSpec& s, std::mt19937& rng) {
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kConv2d;
  Conv2dParams& p = c.op.params.conv2d;
  p.window = {s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.pt, s.pl, s.pb, s.pr};
  p.groups = s.groups;
  p.activation = s.act;
  add_input(c, shape({s.n, s.h, s.w, s.c}), rng);
  add_input(c, shape({s.o, s.kh, s.kw, s.c / s.groups}), rng);
  if (s.bias) add_input(c, shape({s.o}), rng);
  c.op.outputs[0] = shape({s.n, out_size(s.h, s.kh, s.sh, s.dh, s.pt, s.pb),
                           out_size(s.w, s.kw, s.sw, s.dw, s.pl, s.pr), s.o});
  return c;
}

class Conv2dTest : public ::testing::TestWithParam<ConvSpec> {};

TEST_P(Conv2dTest, MatchesReference) {
  std::mt19937 rng(1234);
  expect_matches_reference(make_conv(GetParam(), rng), kGemm);
}

const Activation kNone = no_activation();
const Activation kRelu = relu();
const Activation kRelu6 = relu6();

// label, n,h,w,c,o, kh,kw, sh,sw, dh,dw, pt,pl,pb,pr, groups, bias, act
INSTANTIATE_TEST_SUITE_P(
    Sweep, Conv2dTest,
    ::testing::Values(
        ConvSpec{"k1x1_gemm", 1, 7, 9, 16, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, true, kNone},
        ConvSpec{"k1x1_stride2", 1, 8, 7, 12, 20, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, true, kNone},
        ConvSpec{"k3x3_s1_p1", 1, 10, 10, 3, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, kNone},
        ConvSpec{"k3x3_s2_p1", 2, 11, 9, 8, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, kNone},
        ConvSpec{"k3x3_dilation2", 1, 12, 12, 5, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, true, kNone},
        ConvSpec{"k3x3_dilation_2x3", 1, 13, 14, 4, 6, 3, 3, 1, 2, 2, 3, 1, 0, 2, 3, 1, true,
                 kNone},
        ConvSpec{"asymmetric_pad", 1, 9, 10, 6, 10, 3, 3, 2, 2, 1, 1, 0, 1, 2, 1, 1, true, kNone},
        ConvSpec{"k7x7_s2_p3_stem", 1, 32, 30, 3, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, true, kNone},
        ConvSpec{"k5x5_s1_p2", 1, 9, 9, 7, 9, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, false, kNone},
        ConvSpec{"rect_k1x3_batch2", 2, 5, 11, 9, 5, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 1, true, kNone},
        ConvSpec{"groups2", 1, 8, 8, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, true, kNone},
        ConvSpec{"groups2_s2_nobias", 1, 9, 9, 6, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, false,
                 kNone},
        ConvSpec{"depthwise_3x3", 1, 10, 10, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, true,
                 kNone},
        ConvSpec{"depthwise_3x3_s2_relu6", 1, 15, 13, 24, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 24,
                 true, kRelu6},
        ConvSpec{"depthwise_5x5_s2", 1, 14, 14, 8, 8, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 8, true, kNone},
        ConvSpec{"depthwise_7x7", 1, 12, 12, 5, 5, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 5, false, kNone},
        ConvSpec{"depthwise_dilation2", 1, 11, 11, 4, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 4, true,
                 kNone},
        ConvSpec{"depthwise_multiplier2", 1, 8, 8, 6, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, true,
                 kNone},
        ConvSpec{"no_bias", 1, 8, 8, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, kNone},
        ConvSpec{"fused_relu", 1, 8, 8, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, kRelu},
        ConvSpec{"fused_relu6", 1, 8, 8, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true,
                 Activation{0.0f, 6.0f}},
        ConvSpec{"fused_clamp_narrow", 1, 6, 6, 4, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, true,
                 Activation{-0.25f, 0.5f}},
        ConvSpec{"kernel_covers_input", 1, 3, 3, 4, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, true,
                 kNone},
        ConvSpec{"large_channels", 1, 6, 6, 64, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true,
                 kRelu}),
    [](const ::testing::TestParamInfo<ConvSpec>& info) { return std::string(info.param.label); });

// Random window parameters: whenever the reference accepts the op,
// supports() must too and the results must agree.
TEST(Conv2dSweep, RandomWindowsMatchReference) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> k(1, 4), s(1, 3), d(1, 2), pad(0, 3), hw(1, 9), grp(0, 2);
  int tested = 0;
  for (int iter = 0; iter < 120; ++iter) {
    ConvSpec spec{"random", 1, hw(rng), hw(rng), 0, 0, k(rng), k(rng), s(rng), s(rng), d(rng),
                  d(rng), pad(rng), pad(rng), pad(rng), pad(rng), 1, iter % 3 != 0,
                  iter % 2 ? relu() : no_activation()};
    const int g = grp(rng);  // 0: dense, 1: groups 2, 2: depthwise
    spec.groups = g == 0 ? 1 : (g == 1 ? 2 : 6);
    spec.c = spec.groups == 1 ? 3 : 6;
    spec.o = spec.groups == 6 ? 6 : 4;
    if (out_size(spec.h, spec.kh, spec.sh, spec.dh, spec.pt, spec.pb) < 1 ||
        out_size(spec.w, spec.kw, spec.sw, spec.dw, spec.pl, spec.pr) < 1 ||
        spec.h + spec.pt + spec.pb < int64_t{spec.kh - 1} * spec.dh + 1 ||
        spec.w + spec.pl + spec.pr < int64_t{spec.kw - 1} * spec.dw + 1) {
      continue;
    }
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " hw " << spec.h << "x" << spec.w << " k " << spec.kh
                 << "x" << spec.kw << " s " << spec.sh << "x" << spec.sw << " d " << spec.dh
                 << "x" << spec.dw << " pads t" << spec.pt << " l" << spec.pl << " b" << spec.pb
                 << " r" << spec.pr << " groups " << spec.groups);
    expect_matches_reference(make_conv(spec, rng), kGemm);
    ++tested;
  }
  EXPECT_GT(tested, 60);
}

// ------------------------------------------------------------------ Linear

struct LinearSpec {
  const char* label;
  int64_t m, k, n;
  bool bias;
  Activation act;
};

OpCase make_linear(const LinearSpec& s, std::mt19937& rng) {
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kLinear;
  c.op.params.linear.activation = s.act;
  add_input(c, shape({s.m, s.k}), rng);
  add_input(c, shape({s.n, s.k}), rng);
  if (s.bias) add_input(c, shape({s.n}), rng);
  c.op.outputs[0] = shape({s.m, s.n});
  return c;
}

class LinearTest : public ::testing::TestWithParam<LinearSpec> {};

TEST_P(LinearTest, MatchesReference) {
  std::mt19937 rng(4321);
  expect_matches_reference(make_linear(GetParam(), rng), kGemm);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, LinearTest,
    ::testing::Values(LinearSpec{"m1_k13_n7", 1, 13, 7, true, kNone},
                      LinearSpec{"m1_k1000_n10", 1, 1000, 10, true, kNone},
                      LinearSpec{"m5_k37_n16_nobias", 5, 37, 16, false, kNone},
                      LinearSpec{"m5_k5_n3_relu6", 5, 5, 3, true, Activation{0.0f, 6.0f}},
                      LinearSpec{"m5_k64_n33_relu", 5, 64, 33, true, kRelu},
                      LinearSpec{"m17_k19_n1", 17, 19, 1, true, kNone},
                      LinearSpec{"m8_k1_n8", 8, 1, 8, false, kNone}),
    [](const ::testing::TestParamInfo<LinearSpec>& info) {
      return std::string(info.param.label);
    });

}  // namespace
}  // namespace nibble::xnnpack::testing
