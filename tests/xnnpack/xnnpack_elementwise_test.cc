// BINARY, CLAMP, SOFTMAX and constant PAD through XNNPACK vs the reference.
// Tolerances: binary kElementwise (|xnn - ref| <= 1e-5 + 1e-5 * |ref|; in
// practice bit-exact), clamp and pad kExact, softmax kSoftmax
// (1e-6 + 1e-5 * |ref|: XNNPACK's exp is a polynomial approximation and it
// multiplies by 1/sum).
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "xnnpack_test_util.h"

namespace nibble::xnnpack::testing {
namespace {

const float kInf = std::numeric_limits<float>::infinity();

// ------------------------------------------------------------------ Binary

struct BinarySpec {
  const char* label;
  TensorView a, b, out;
  Activation act;
  int in_place_input;  // -1: separate output
};

const char* kind_name(BinaryKind k) {
  switch (k) {
    case BinaryKind::kAdd: return "add";
    case BinaryKind::kSub: return "sub";
    case BinaryKind::kMul: return "mul";
    case BinaryKind::kDiv: return "div";
  }
  return "?";
}

class BinaryTest : public ::testing::TestWithParam<std::tuple<BinaryKind, BinarySpec>> {};

TEST_P(BinaryTest, MatchesReference) {
  const BinaryKind kind = std::get<0>(GetParam());
  const BinarySpec& s = std::get<1>(GetParam());
  std::mt19937 rng(21);
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kBinary;
  c.op.params.binary.kind = kind;
  c.op.params.binary.activation = s.act;
  add_input(c, s.a, random_data(rng, s.a.numel(), -2.0f, 2.0f));
  // Divisors kept away from zero.
  add_input(c, s.b,
            kind == BinaryKind::kDiv ? random_away_from_zero(rng, s.b.numel(), 0.5f, 2.0f)
                                     : random_data(rng, s.b.numel(), -2.0f, 2.0f));
  c.op.outputs[0] = s.out;
  c.in_place_input = s.in_place_input;
  expect_matches_reference(c, kElementwise);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, BinaryTest,
    ::testing::Combine(
        ::testing::Values(BinaryKind::kAdd, BinaryKind::kSub, BinaryKind::kMul, BinaryKind::kDiv),
        ::testing::Values(
            BinarySpec{"same_shape_4d", shape({2, 3, 4, 5}), shape({2, 3, 4, 5}),
                       shape({2, 3, 4, 5}), no_activation(), -1},
            BinarySpec{"large_flat", shape({10007}), shape({10007}), shape({10007}),
                       no_activation(), -1},
            BinarySpec{"bias_like_lower_rank", shape({2, 3, 4, 5}), shape({5}),
                       shape({2, 3, 4, 5}), no_activation(), -1},
            BinarySpec{"lower_rank_first", shape({4, 5}), shape({2, 3, 4, 5}),
                       shape({2, 3, 4, 5}), no_activation(), -1},
            BinarySpec{"both_broadcast", shape({1, 3, 1, 5}), shape({2, 1, 4, 1}),
                       shape({2, 3, 4, 5}), no_activation(), -1},
            BinarySpec{"column_times_row", shape({4, 1}), shape({3}), shape({4, 3}),
                       no_activation(), -1},
            BinarySpec{"channel_scale_nhwc", shape({1, 6, 6, 8}), shape({1, 1, 1, 8}),
                       shape({1, 6, 6, 8}), no_activation(), -1},
            BinarySpec{"scalar_rhs", shape({2, 3}), shape({}), shape({2, 3}), no_activation(),
                       -1},
            BinarySpec{"scalar_lhs", shape({}), shape({7}), shape({7}), no_activation(), -1},
            BinarySpec{"scalars", shape({}), shape({}), shape({}), no_activation(), -1},
            BinarySpec{"rank6", shape({2, 1, 3, 1, 2, 3}), shape({1, 2, 1, 2, 1, 3}),
                       shape({2, 2, 3, 2, 2, 3}), no_activation(), -1},
            BinarySpec{"relu", shape({3, 17}), shape({17}), shape({3, 17}), relu(), -1},
            BinarySpec{"clamp_0_6", shape({3, 17}), shape({3, 17}), shape({3, 17}),
                       Activation{0.0f, 6.0f}, -1},
            BinarySpec{"clamp_narrow", shape({64}), shape({64}), shape({64}),
                       Activation{-0.5f, 0.5f}, -1},
            BinarySpec{"in_place_lhs", shape({4, 9}), shape({9}), shape({4, 9}), no_activation(),
                       0},
            BinarySpec{"in_place_rhs", shape({9}), shape({4, 9}), shape({4, 9}), no_activation(),
                       1})),
    [](const ::testing::TestParamInfo<std::tuple<BinaryKind, BinarySpec>>& info) {
      return std::string(kind_name(std::get<0>(info.param))) + "_" +
             std::get<1>(info.param).label;
    });

// ------------------------------------------------------------------- Clamp

struct ClampSpec {
  const char* label;
  TensorView x;
  Activation act;
  bool in_place;
};

class ClampTest : public ::testing::TestWithParam<ClampSpec> {};

TEST_P(ClampTest, MatchesReference) {
  const ClampSpec& s = GetParam();
  std::mt19937 rng(31);
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kClamp;
  c.op.params.clamp.activation = s.act;
  add_input(c, s.x, random_data(rng, s.x.numel(), -8.0f, 8.0f));
  c.op.outputs[0] = s.x;
  c.in_place_input = s.in_place ? 0 : -1;
  expect_matches_reference(c, kExact);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, ClampTest,
    ::testing::Values(ClampSpec{"relu6_4d", shape({2, 3, 4, 5}), Activation{0.0f, 6.0f}, false},
                      ClampSpec{"relu", shape({1, 8, 8, 3}), relu(), false},
                      ClampSpec{"narrow_1d", shape({7}), Activation{-0.5f, 0.5f}, false},
                      ClampSpec{"upper_only", shape({5, 5}), Activation{-kInf, 0.3f}, false},
                      ClampSpec{"no_bounds", shape({33}), no_activation(), false},
                      ClampSpec{"scalar", shape({}), Activation{-1.0f, 1.0f}, false},
                      ClampSpec{"large_multi_block", shape({50021}), Activation{-3.0f, 2.0f},
                                false},
                      ClampSpec{"in_place", shape({4, 100}), Activation{-1.0f, 1.0f}, true}),
    [](const ::testing::TestParamInfo<ClampSpec>& info) { return std::string(info.param.label); });

// ----------------------------------------------------------------- Softmax

struct SoftmaxSpec {
  const char* label;
  TensorView x;
  bool in_place;
};

class SoftmaxTest : public ::testing::TestWithParam<SoftmaxSpec> {};

TEST_P(SoftmaxTest, MatchesReference) {
  const SoftmaxSpec& s = GetParam();
  std::mt19937 rng(41);
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kSoftmax;
  c.op.params.softmax.axis = s.x.rank - 1;
  add_input(c, s.x, random_data(rng, s.x.numel(), -6.0f, 6.0f));
  c.op.outputs[0] = s.x;
  c.in_place_input = s.in_place ? 0 : -1;
  expect_matches_reference(c, kSoftmax);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, SoftmaxTest,
    ::testing::Values(SoftmaxSpec{"classifier_1x10", shape({1, 10}), false},
                      SoftmaxSpec{"imagenet_2x1000", shape({2, 1000}), false},
                      SoftmaxSpec{"rank3_last_axis", shape({2, 3, 17}), false},
                      SoftmaxSpec{"rank1", shape({5}), false},
                      SoftmaxSpec{"single_channel", shape({4, 1}), false},
                      SoftmaxSpec{"in_place", shape({3, 33}), true}),
    [](const ::testing::TestParamInfo<SoftmaxSpec>& info) {
      return std::string(info.param.label);
    });

// ------------------------------------------------------------ Constant pad

struct PadSpec {
  const char* label;
  TensorView x;
  int64_t before[kMaxRank];
  int64_t after[kMaxRank];
  float value;
};

class ConstantPadTest : public ::testing::TestWithParam<PadSpec> {};

TEST_P(ConstantPadTest, MatchesReference) {
  const PadSpec& s = GetParam();
  std::mt19937 rng(51);
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kPad;
  PadParams& p = c.op.params.pad;
  p.mode = PadMode::kConstant;
  p.value = s.value;
  TensorView out = s.x;
  for (int32_t d = 0; d < s.x.rank; ++d) {
    p.before[d] = s.before[d];
    p.after[d] = s.after[d];
    out.dims[d] = s.before[d] + s.x.dims[d] + s.after[d];
  }
  add_input(c, s.x, rng);
  c.op.outputs[0] = out;
  expect_matches_reference(c, kExact);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, ConstantPadTest,
    ::testing::Values(
        PadSpec{"nhwc_spatial_zero", shape({1, 5, 6, 3}), {0, 1, 2, 0}, {0, 2, 1, 0}, 0.0f},
        PadSpec{"nhwc_all_dims_value", shape({2, 3, 4, 2}), {1, 0, 2, 1}, {0, 2, 1, 3}, -1.5f},
        PadSpec{"no_padding", shape({2, 3}), {0, 0}, {0, 0}, 7.0f},
        PadSpec{"rank1", shape({9}), {3}, {4}, 2.5f},
        PadSpec{"rank2_large", shape({64, 100}), {2, 5}, {3, 1}, 0.25f},
        PadSpec{"rank6", shape({1, 2, 1, 3, 2, 2}), {1, 0, 1, 0, 1, 0}, {0, 1, 0, 2, 0, 1},
                -3.0f},
        PadSpec{"value_neg_inf", shape({1, 4, 4, 2}), {0, 1, 1, 0}, {0, 1, 1, 0}, -kInf}),
    [](const ::testing::TestParamInfo<PadSpec>& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace nibble::xnnpack::testing
