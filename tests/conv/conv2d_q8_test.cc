// Conv2d with int8 activations: the definition (conv2d.h) written as a
// plain loop from gemv::quantize_activations of each pixel's group slice;
// the reference equals it bit for bit, the VNNI kernel (Cg % 32 == 0,
// q8_0 / q4_0 / int8) agrees within (K + 4) FLT_EPSILON S, and any task
// split gives the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "codec/decode_range.h"
#include "conv/conv2d.h"
#include "gemm_test_support.h"
#include "gemv/gemv_q8.h"

namespace nibble::conv {
namespace {

using gemv::testing_support::available_levels;
using gemv::testing_support::encode_case;
using gemv::testing_support::Encoded;
using gemv::testing_support::FormatCase;
using gemv::testing_support::random_vector;

Geometry geometry(int64_t batch, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                  int64_t dilation, int64_t pad, int64_t groups) {
  Geometry g{};
  g.batch = batch;
  g.in_h = h;
  g.in_w = w;
  g.in_c = cin;
  g.out_c = cout;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.dilation_h = g.dilation_w = dilation;
  g.pad_top = g.pad_left = pad;
  g.groups = groups;
  g.out_h = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  g.out_w = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
  return g;
}

struct Case {
  const char* name;
  Geometry g;
};

const Case kCases[] = {
    {"3x3_c64_batch2", geometry(2, 6, 6, 64, 40, 3, 1, 1, 1, 1)},
    {"3x3_c32_stride2_groups2", geometry(1, 9, 9, 64, 24, 3, 2, 1, 1, 2)},
    {"3x3_c32_dilation2", geometry(1, 8, 8, 32, 17, 3, 1, 2, 2, 1)},
    {"1x1_c544", geometry(1, 4, 5, 544, 33, 1, 1, 1, 0, 1)},  // 17 blocks: two panels of blocks
    // 20 outputs: a 16-output panel and a tail; 9 taps in one pass.
    {"3x3_c32_batch2", geometry(2, 7, 6, 32, 20, 3, 1, 1, 1, 1)},
    // 16 channels per group: reference only (int8 was slower than f32 here).
    {"3x3_c16_stride2_groups2", geometry(1, 9, 9, 32, 24, 3, 2, 1, 1, 2)},
    {"3x3_c20", geometry(1, 6, 6, 20, 12, 3, 1, 1, 1, 1)},    // reference only (Cg % 32 != 0)
    {"depthwise", geometry(1, 6, 6, 8, 8, 3, 1, 1, 1, 8)},    // reference only
};

std::vector<float> plain(const Geometry& g, const codec::PackedWeights& w, const std::vector<float>& x,
                         const gemm::Epilogue& e, std::vector<double>* magnitude) {
  const int64_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  const int64_t pixels = g.batch * g.in_h * g.in_w;
  // q and d of every (pixel, group).
  std::vector<std::vector<int8_t>> q(static_cast<size_t>(pixels * g.groups));
  std::vector<std::vector<float>> d(q.size());
  void* buffer = std::aligned_alloc(64, (gemv::q8_activation_bytes(cg) + 63) / 64 * 64);
  for (int64_t i = 0; i < pixels * g.groups; ++i) {
    const gemv::Q8Activations v = gemv::quantize_activations(
        Isa::kScalar, x.data() + (i / g.groups) * g.in_c + (i % g.groups) * cg, cg, buffer);
    q[static_cast<size_t>(i)].assign(v.q, v.q + cg);
    d[static_cast<size_t>(i)].assign(v.d, v.d + (cg + 31) / 32);
  }
  std::free(buffer);
  std::vector<float> y(static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c));
  magnitude->assign(y.size(), 0.0);
  std::vector<float> row(static_cast<size_t>(w.layout.cols));
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    codec::decode_row(w, oc, row.data());
    const int64_t grp = oc / og;
    for (int64_t b = 0; b < g.batch; ++b) {
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          float acc = 0.0f;
          double s = e.bias != nullptr ? std::fabs(e.bias[oc]) : 0.0;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
              const size_t rec = static_cast<size_t>(((b * g.in_h + iy) * g.in_w + ix) * g.groups + grp);
              for (int64_t j0 = 0; j0 < cg; j0 += 32) {
                float block = 0.0f;
                for (int64_t i = j0; i < std::min(cg, j0 + 32); ++i) {
                  const float wv = row[static_cast<size_t>((ky * g.kernel_w + kx) * cg + i)];
                  block += wv * static_cast<float>(q[rec][static_cast<size_t>(i)]);
                  s += std::fabs(static_cast<double>(wv) * q[rec][static_cast<size_t>(i)] * d[rec][j0 / 32]);
                }
                acc += d[rec][static_cast<size_t>(j0 / 32)] * block;
              }
            }
          }
          const float v = (e.bias != nullptr ? e.bias[oc] : 0.0f) + acc;
          const size_t o = static_cast<size_t>(((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc);
          y[o] = std::min(std::max(v, e.min), e.max);
          (*magnitude)[o] = s;
        }
      }
    }
  }
  return y;
}

TEST(Conv2dQ8, DefinitionAndEveryLevel) {
  int simd = 0;
  for (const Case& c : kCases) {
    const Geometry& g = c.g;
    const int64_t cols = g.kernel_h * g.kernel_w * (g.in_c / g.groups);
    for (const FormatCase& f : gemm::testing_support::all_formats()) {
      const Encoded enc = encode_case(f, g.out_c, cols, 51);
      const codec::PackedWeights w = enc.packed();
      const std::vector<float> x = random_vector(g.batch * g.in_h * g.in_w * g.in_c, 52);
      const std::vector<float> bias = random_vector(g.out_c, 53);
      gemm::Epilogue e;
      e.bias = bias.data();
      e.max = 2.5f;
      std::vector<double> mag;
      const std::vector<float> want = plain(g, w, x, e, &mag);
      void* ws = std::aligned_alloc(64, (q8_workspace_bytes(g) + 63) / 64 * 64);
      for (Isa isa : available_levels()) {
        q8_prepare(isa, g, x.data(), ws);
        {
          // Prepared in ranges (as threads would): the same bytes.
          const size_t bytes = q8_workspace_bytes(g);
          std::vector<uint8_t> whole(static_cast<const uint8_t*>(ws), static_cast<const uint8_t*>(ws) + bytes);
          std::memset(ws, 0x5A, bytes);
          const int64_t units = q8_prepare_units(g);
          q8_prepare_range(isa, g, x.data(), ws, units / 3, units);
          q8_prepare_range(isa, g, x.data(), ws, 0, units / 3);
          ASSERT_EQ(std::memcmp(whole.data(), ws, bytes), 0) << c.name;
        }
        std::vector<float> got(want.size(), -9.0f);
        ASSERT_TRUE(conv2d_q8_on(isa, g, w, ws, e, got.data(), 0, num_tasks(g)));
        const bool exact = !has_q8_kernel(isa, g, w);
        simd += exact ? 0 : 1;
        for (size_t i = 0; i < got.size(); ++i) {
          if (exact) {
            ASSERT_EQ(got[i], want[i]) << c.name << " " << f.name << " " << isa_name(isa) << " at " << i;
          } else {
            ASSERT_TRUE(gemm::testing_support::within(got[i], want[i], mag[i], cols))
                << c.name << " " << f.name << " " << isa_name(isa) << " at " << i << ": " << got[i] << " vs "
                << want[i];
          }
        }
        // Tasks one at a time, backwards: the same bits.
        std::vector<float> parts(got.size(), -9.0f);
        for (int64_t t = num_tasks(g) - 1; t >= 0; --t) {
          ASSERT_TRUE(conv2d_q8_on(isa, g, w, ws, e, parts.data(), t, t + 1));
        }
        ASSERT_TRUE(gemm::testing_support::same_bits(parts, got)) << c.name << " " << f.name;
      }
      std::free(ws);
    }
  }
  if (isa_available(Isa::kAvx512Vnni)) {
    EXPECT_GE(simd, 15);  // 5 geometries x (q8_0, q4_0, int8 ...)
  }
}

}  // namespace
}  // namespace nibble::conv
