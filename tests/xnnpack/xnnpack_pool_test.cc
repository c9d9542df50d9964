// MAX_POOL2D, AVERAGE_POOL2D and GLOBAL_AVERAGE_POOL through XNNPACK vs
// the reference. Tolerances: max pooling kExact (it selects an input);
// average pooling kElementwise: |xnn - ref| <= 1e-5 + 1e-5 * |ref|.
#include <xnnpack.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "ops/reference/reference_ops.h"
#include "xnnpack_test_util.h"

namespace nibble::xnnpack::testing {
namespace {

struct PoolSpec {
  const char* label;
  int64_t n, h, w, c;
  int32_t kh, kw, sh, sw, dh, dw;
  int32_t pt, pl, pb, pr;
  bool count_include_pad;
  Activation act;
};

int64_t out_size(int64_t in, int32_t k, int32_t s, int32_t d, int32_t pa, int32_t pb) {
  return (in + pa + pb - (int64_t{k - 1} * d + 1)) / s + 1;
}

bool fits(const PoolSpec& s) {
  return s.h + s.pt + s.pb >= int64_t{s.kh - 1} * s.dh + 1 &&
         s.w + s.pl + s.pr >= int64_t{s.kw - 1} * s.dw + 1;
}

OpCase make_pool(OpCode code, const PoolSpec& s, std::mt19937& rng) {
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = code;
  Pool2dParams& p = c.op.params.pool2d;
  p.window = {s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.pt, s.pl, s.pb, s.pr};
  p.count_include_pad = s.count_include_pad;
  p.activation = s.act;
  add_input(c, shape({s.n, s.h, s.w, s.c}), rng);
  c.op.outputs[0] = shape({s.n, out_size(s.h, s.kh, s.sh, s.dh, s.pt, s.pb),
                           out_size(s.w, s.kw, s.sw, s.dw, s.pl, s.pr), s.c});
  return c;
}

const Activation kNone = no_activation();
const Activation kRelu = relu();

std::string label_of(const ::testing::TestParamInfo<PoolSpec>& info) {
  return info.param.label;
}

// ----------------------------------------------------------------- MaxPool

class MaxPoolTest : public ::testing::TestWithParam<PoolSpec> {};

TEST_P(MaxPoolTest, MatchesReference) {
  std::mt19937 rng(7);
  expect_matches_reference(make_pool(OpCode::kMaxPool2d, GetParam(), rng), kExact);
}

// label, n,h,w,c, kh,kw, sh,sw, dh,dw, pt,pl,pb,pr, count_include_pad, act
INSTANTIATE_TEST_SUITE_P(
    Sweep, MaxPoolTest,
    ::testing::Values(
        PoolSpec{"k2_s2", 1, 8, 8, 16, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k3_s2_p1_resnet", 2, 15, 16, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, kNone},
        PoolSpec{"k3_s1_p1", 1, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, kNone},
        PoolSpec{"k3_asymmetric_pad", 1, 9, 8, 3, 3, 3, 2, 2, 1, 1, 0, 1, 2, 1, false, kNone},
        PoolSpec{"k3_dilation2_s2_nopad", 1, 11, 10, 4, 3, 3, 2, 2, 2, 2, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k2_dilation2_nopad", 1, 9, 9, 4, 2, 2, 1, 1, 2, 2, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k2_stride3_gt_kernel", 1, 11, 11, 6, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k1x3_rect", 1, 6, 9, 7, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1, false, kNone},
        PoolSpec{"k5_large_channels", 1, 9, 9, 40, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, false, kNone},
        PoolSpec{"k2_s2_relu", 1, 6, 6, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false, kRelu},
        PoolSpec{"k3_clamp", 1, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false,
                 Activation{-0.5f, 0.25f}}),
    label_of);

// ------------------------------------------------------------- AveragePool

class AveragePoolTest : public ::testing::TestWithParam<PoolSpec> {};

TEST_P(AveragePoolTest, MatchesReference) {
  std::mt19937 rng(8);
  expect_matches_reference(make_pool(OpCode::kAveragePool2d, GetParam(), rng), kElementwise);
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, AveragePoolTest,
    ::testing::Values(
        PoolSpec{"k2_s2", 1, 8, 8, 16, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k2_s2_count_include_pad_nopad", 1, 8, 8, 16, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, true,
                 kNone},
        PoolSpec{"k3_s1_p1_exclude_pad", 2, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, kNone},
        PoolSpec{"k3_s2_asymmetric_pad", 1, 9, 8, 3, 3, 3, 2, 2, 1, 1, 0, 1, 2, 1, false, kNone},
        PoolSpec{"k2_stride3_gt_kernel", 1, 11, 11, 6, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k2_stride3_pad", 1, 10, 10, 6, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, false, kNone},
        PoolSpec{"k1x3_rect", 1, 6, 9, 7, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1, false, kNone},
        PoolSpec{"k7_global_like", 1, 7, 7, 32, 7, 7, 1, 1, 1, 1, 0, 0, 0, 0, false, kNone},
        PoolSpec{"k5_pad2_large_channels", 1, 9, 9, 40, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, false,
                 kNone},
        PoolSpec{"k3_relu", 1, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, kRelu}),
    label_of);

// Why a valid pooling op must be rejected, classified independently of the
// backend; nullptr if XNNPACK computes it exactly like the reference.
const char* rejection_reason(OpCode code, const PoolSpec& s) {
  if (s.kh * s.kw == 1) return "1x1 kernel";
  const bool padded = (s.pt | s.pl | s.pb | s.pr) != 0;
  if (code == OpCode::kMaxPool2d && (s.dh > 1 || s.dw > 1) && padded) {
    return "dilation with padding";
  }
  if (code == OpCode::kAveragePool2d && s.count_include_pad && padded) {
    return "count_include_pad with padding";
  }
  const int64_t oh = out_size(s.h, s.kh, s.sh, s.dh, s.pt, s.pb);
  const int64_t ow = out_size(s.w, s.kw, s.sw, s.dw, s.pl, s.pr);
  auto axis_has_empty_window = [](int64_t in, int64_t out, int64_t k, int64_t st, int64_t d,
                                  int64_t pad) {
    for (int64_t o = 0; o < out; ++o) {
      bool any = false;
      for (int64_t t = 0; t < k; ++t) {
        const int64_t p = o * st + t * d - pad;
        any = any || (p >= 0 && p < in);
      }
      if (!any) return true;
    }
    return false;
  };
  if (axis_has_empty_window(s.h, oh, s.kh, s.sh, s.dh, s.pt) ||
      axis_has_empty_window(s.w, ow, s.kw, s.sw, s.dw, s.pl)) {
    return "window entirely in padding";
  }
  return nullptr;
}

// Random windows the reference accepts: supports() must reject exactly the
// documented cases (create() then returns kUnsupported) and every
// supported op must match the reference.
void sweep(OpCode code, Tolerance tol, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> k(1, 4), s(1, 4), pad(0, 2), hw(1, 9), c(1, 5);
  std::discrete_distribution<int> dilation({0, 3, 1});  // 1 (3/4) or 2 (1/4)
  std::bernoulli_distribution include_pad(0.25);
  int tested = 0;
  std::map<std::string, int> rejected;
  for (int iter = 0; iter < 400; ++iter) {
    PoolSpec spec{"random", 1 + iter % 2, hw(rng), hw(rng), c(rng), k(rng), k(rng), s(rng),
                  s(rng), dilation(rng), dilation(rng), pad(rng), pad(rng), pad(rng), pad(rng),
                  include_pad(rng), iter % 3 == 0 ? relu() : no_activation()};
    if (code == OpCode::kAveragePool2d) spec.dh = spec.dw = 1;  // no dilation in ONNX AveragePool
    if (!fits(spec)) continue;
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " n " << spec.n << " c " << spec.c << " hw " << spec.h
                 << "x" << spec.w << " k " << spec.kh << "x" << spec.kw << " s " << spec.sh
                 << "x" << spec.sw << " d " << spec.dh << "x" << spec.dw << " pads t" << spec.pt
                 << " l" << spec.pl << " b" << spec.pb << " r" << spec.pr
                 << " count_include_pad " << spec.count_include_pad);
    OpCase c = make_pool(code, spec, rng);
    std::vector<std::vector<float>> storage;
    std::vector<float> out;
    const BoundOp op = bind_op(c, storage, out);
    ASSERT_TRUE(ref::check_op(op).is_ok());
    const char* reason = rejection_reason(code, spec);
    EXPECT_EQ(supports(op), reason == nullptr) << (reason ? reason : "expected supported");
    if (reason == nullptr) {
      expect_matches_reference(c, tol);
      ++tested;
    } else {
      expect_unsupported(c);
      ++rejected[reason];
    }
  }
  std::string summary = "supported and matching: " + std::to_string(tested);
  for (const auto& [reason, count] : rejected) {
    summary += "; rejected (" + reason + "): " + std::to_string(count);
  }
  std::printf("[   INFO   ] %s: %s\n", op_code_name(code), summary.c_str());
  EXPECT_GT(tested, 80);
}

TEST(MaxPoolSweep, RandomWindows) { sweep(OpCode::kMaxPool2d, kExact, 11); }

TEST(AveragePoolSweep, RandomWindows) { sweep(OpCode::kAveragePool2d, kElementwise, 12); }

// Why supports() rejects dilated max pooling with padding: this XNNPACK
// version replaces a padded tap of a dilated window by a "safe" tap that
// can lie past the end of the input. Input H=1 (W=1, C=1), kernel 2x1,
// stride 2, dilation 2, pad top/bottom 2: output row 1 has taps at rows 0
// and 2; XNNPACK reads "row 2", i.e. input[2], beyond the 1-element input
// (here a sentinel inside a larger buffer). The reference gives x[0].
TEST(MaxPoolQuirk, DilatedPaddedTapsReadOutsideTheInput) {
  ASSERT_TRUE(initialize().is_ok());
  float buffer[3] = {1.0f, 50.0f, 100.0f};  // input is buffer[0] only
  float output[2] = {0, 0};
  xnn_operator_t op = nullptr;
  ASSERT_EQ(xnn_create_max_pooling2d_nhwc_f32(2, 0, 2, 0, 2, 1, 2, 1, 2, 1, 1, 1, 1, -INFINITY,
                                              INFINITY, 0, &op),
            xnn_status_success);
  ASSERT_EQ(xnn_setup_max_pooling2d_nhwc_f32(op, 1, 1, 1, buffer, output, nullptr),
            xnn_status_success);
  ASSERT_EQ(xnn_run_operator(op, nullptr), xnn_status_success);
  xnn_delete_operator(op);
  EXPECT_EQ(output[0], 1.0f);
  EXPECT_EQ(output[1], 100.0f);  // read out of bounds; the reference gives 1

  OpCase c;
  c.op.name = "dilated_padded_max_pool";
  c.op.params.code = OpCode::kMaxPool2d;
  c.op.params.pool2d.window = {2, 1, 2, 1, 2, 1, 2, 0, 2, 0};
  c.op.params.pool2d.count_include_pad = false;
  c.op.params.pool2d.activation = no_activation();
  add_input(c, shape({1, 1, 1, 1}), std::vector<float>{1.0f});
  c.op.outputs[0] = shape({1, 2, 1, 1});
  expect_unsupported(c);
}

// ------------------------------------------------------- GlobalAveragePool

struct GapSpec {
  const char* label;
  int64_t n, h, w, c;
  Activation act;
};

class GlobalAveragePoolTest : public ::testing::TestWithParam<GapSpec> {};

TEST_P(GlobalAveragePoolTest, MatchesReference) {
  const GapSpec& s = GetParam();
  std::mt19937 rng(9);
  OpCase c;
  c.op.name = s.label;
  c.op.params.code = OpCode::kGlobalAveragePool;
  c.op.params.global_pool.activation = s.act;
  add_input(c, shape({s.n, s.h, s.w, s.c}), rng);
  c.op.outputs[0] = shape({s.n, 1, 1, s.c});
  expect_matches_reference(c, kElementwise);
}

INSTANTIATE_TEST_SUITE_P(Sweep, GlobalAveragePoolTest,
                         ::testing::Values(GapSpec{"mobilenet_7x7x64", 1, 7, 7, 64, kNone},
                                           GapSpec{"batch2_5x3x10_relu", 2, 5, 3, 10, kRelu},
                                           GapSpec{"single_pixel", 1, 1, 1, 8, kNone},
                                           GapSpec{"tall_20x1x3", 1, 20, 1, 3, kNone},
                                           GapSpec{"clamp", 1, 4, 4, 5,
                                                   Activation{-0.1f, 0.1f}}),
                         [](const ::testing::TestParamInfo<GapSpec>& info) {
                           return std::string(info.param.label);
                         });

}  // namespace
}  // namespace nibble::xnnpack::testing
