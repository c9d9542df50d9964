// Conv2d: the reference against the plain loop of
// runtime/ops/reference/conv2d.cc's contract (bit for bit), every level x
// format against the reference on stride 2, padding, dilation 2, groups 2,
// depthwise, 1x1, batch 2, and task-split independence (bit for bit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "codec/decode_range.h"
#include "conv/conv2d.h"
#include "gemm_test_support.h"

namespace nibble::conv {
namespace {

using gemv::testing_support::available_levels;
using gemv::testing_support::encode_case;
using gemv::testing_support::Encoded;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;
using gemv::testing_support::random_vector;

struct Case {
  const char* name;
  Geometry g;
};

Geometry geometry(int64_t batch, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t kh, int64_t kw,
                  int64_t stride, int64_t dilation, int64_t pad_top, int64_t pad_left, int64_t pad_bottom,
                  int64_t pad_right, int64_t groups) {
  Geometry g{};
  g.batch = batch;
  g.in_h = h;
  g.in_w = w;
  g.in_c = cin;
  g.out_c = cout;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = g.stride_w = stride;
  g.dilation_h = g.dilation_w = dilation;
  g.pad_top = pad_top;
  g.pad_left = pad_left;
  g.groups = groups;
  g.out_h = (h + pad_top + pad_bottom - dilation * (kh - 1) - 1) / stride + 1;
  g.out_w = (w + pad_left + pad_right - dilation * (kw - 1) - 1) / stride + 1;
  return g;
}

std::vector<Case> cases() {
  return {
      {"3x3_pad1_batch2", geometry(2, 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
      {"3x3_stride2", geometry(1, 9, 9, 12, 20, 3, 3, 2, 1, 1, 1, 1, 1, 1)},
      {"3x3_dilation2", geometry(1, 7, 7, 8, 8, 3, 3, 1, 2, 2, 2, 2, 2, 1)},
      {"3x3_groups2", geometry(1, 6, 6, 16, 24, 3, 3, 1, 1, 1, 1, 1, 1, 2)},
      {"5x3_asymmetric_pad", geometry(1, 7, 6, 5, 9, 5, 3, 1, 1, 2, 1, 0, 1, 1)},
      {"1x1_long_reduction", geometry(1, 5, 5, 300, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
      {"1x1_stride2", geometry(2, 6, 6, 24, 36, 1, 1, 2, 1, 0, 0, 0, 0, 1)},
      // 64 channels: two passes of whole taps (5 + 4); 40 outputs: a 32
      // block and an 8-output tail.
      {"3x3_64ch_two_passes", geometry(1, 6, 7, 64, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
      // 70 channels per group: the per-tap implicit GEMM.
      {"3x3_70ch_implicit_gemm", geometry(1, 5, 5, 70, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
      {"many_tasks", geometry(1, 20, 20, 8, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
      {"depthwise_3x3", geometry(2, 10, 10, 40, 40, 3, 3, 1, 1, 1, 1, 1, 1, 40)},
      {"depthwise_stride2_70ch", geometry(1, 11, 11, 70, 70, 3, 3, 2, 1, 1, 1, 1, 1, 70)},
      {"depthwise_dilation2", geometry(1, 9, 9, 17, 17, 3, 3, 1, 2, 2, 2, 2, 2, 17)},
  };
}

int64_t cols_of(const Geometry& g) { return g.kernel_h * g.kernel_w * (g.in_c / g.groups); }
size_t in_size(const Geometry& g) { return static_cast<size_t>(g.batch * g.in_h * g.in_w * g.in_c); }
size_t out_size(const Geometry& g) { return static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c); }

// The contract, written as plainly as possible. Also returns S per output
// (|bias| + sum |x w|) for the tolerance.
std::vector<float> plain_conv(const Geometry& g, const codec::PackedWeights& w, const std::vector<float>& x,
                              const gemm::Epilogue& e, std::vector<double>* magnitude) {
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  std::vector<float> y(out_size(g));
  magnitude->assign(y.size(), 0.0);
  std::vector<float> row(static_cast<size_t>(cols_of(g)));
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    codec::decode_row(w, oc, row.data());
    const int64_t grp = oc / og;
    for (int64_t b = 0; b < g.batch; ++b) {
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          float acc = e.bias != nullptr ? e.bias[oc] : 0.0f;
          double s = std::fabs(acc);
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              for (int64_t ic = 0; ic < cg; ++ic) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
                const float xv = x[static_cast<size_t>(((b * g.in_h + iy) * g.in_w + ix) * g.in_c + grp * cg + ic)];
                const float wv = row[static_cast<size_t>((ky * g.kernel_w + kx) * cg + ic)];
                acc = acc + xv * wv;
                s += std::fabs(static_cast<double>(xv) * wv);
              }
            }
          }
          const size_t o = static_cast<size_t>(((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc);
          y[o] = std::min(std::max(acc, e.min), e.max);
          (*magnitude)[o] = s;
        }
      }
    }
  }
  return y;
}

std::vector<float> run(Isa isa, const Geometry& g, const codec::PackedWeights& w, const std::vector<float>& x,
                       const gemm::Epilogue& e) {
  std::vector<float> y(out_size(g), -7.0f);
  std::vector<uint8_t> ws(workspace_bytes(g) + 64);
  prepare(isa, g, x.data(), ws.data());
  EXPECT_TRUE(conv2d_on(isa, g, w, x.data(), e, y.data(), ws.data(), 0, num_tasks(g)));
  return y;
}

TEST(Conv2d, ReferenceIsThePlainLoopAndEveryLevelAgrees) {
  int checked = 0;
  for (const Case& c : cases()) {
    const Geometry& g = c.g;
    for (const FormatCase& f : gemm::testing_support::all_formats()) {
      const uint32_t seed = static_cast<uint32_t>(g.in_c * 7 + g.out_c);
      const Encoded enc = encode_case(f, g.out_c, cols_of(g), seed);
      const codec::PackedWeights w = enc.packed();
      const std::vector<float> x = random_vector(static_cast<int64_t>(in_size(g)), seed + 1);
      const std::vector<float> bias = random_vector(g.out_c, seed + 2);
      gemm::Epilogue e;
      e.bias = bias.data();
      e.min = -3.0f;
      std::vector<double> mag;
      const std::vector<float> want = plain_conv(g, w, x, e, &mag);
      const std::vector<float> ref = run(Isa::kScalar, g, w, x, e);
      ASSERT_TRUE(gemm::testing_support::same_bits(ref, want)) << c.name << " " << f.name;
      for (Isa isa : available_levels()) {
        const std::vector<float> got = run(isa, g, w, x, e);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_TRUE(gemm::testing_support::within(got[i], want[i], mag[i], cols_of(g)))
              << c.name << " " << f.name << " " << isa_name(isa) << " at " << i << ": " << got[i] << " vs "
              << want[i];
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

TEST(Conv2d, AnyTaskSplitGivesTheSameBits) {
  for (const Case& c : cases()) {
    const Geometry& g = c.g;
    for (const FormatCase& f : gemm::testing_support::all_formats()) {
      const Encoded enc = encode_case(f, g.out_c, cols_of(g), 41);
      const codec::PackedWeights w = enc.packed();
      const std::vector<float> x = random_vector(static_cast<int64_t>(in_size(g)), 42);
      const std::vector<float> bias = random_vector(g.out_c, 43);
      gemm::Epilogue e;
      e.bias = bias.data();
      for (Isa isa : available_levels()) {
        const std::vector<float> whole = run(isa, g, w, x, e);
        std::vector<float> parts(whole.size(), -7.0f);
        const int64_t tasks = num_tasks(g);
        // Backwards one at a time (as another thread order would).
        for (int64_t t = tasks - 1; t >= 0; --t) {
          ASSERT_TRUE(conv2d_on(isa, g, w, x.data(), e, parts.data(), nullptr, t, t + 1));
        }
        ASSERT_TRUE(gemm::testing_support::same_bits(parts, whole)) << c.name << " " << f.name;
      }
    }
  }
}

TEST(Conv2d, TasksCoverEveryOutputOnce) {
  for (const Case& c : cases()) {
    const Geometry& g = c.g;
    std::vector<int> hits(out_size(g), 0);
    for (int64_t t = 0; t < num_tasks(g); ++t) {
      const TaskRange r = task_range(g, t);
      for (int64_t p = r.p0; p < r.p1; ++p) {
        for (int64_t oc = r.oc0; oc < r.oc1; ++oc) ++hits[static_cast<size_t>(p * g.out_c + oc)];
      }
    }
    EXPECT_TRUE(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; })) << c.name;
  }
}

}  // namespace
}  // namespace nibble::conv
