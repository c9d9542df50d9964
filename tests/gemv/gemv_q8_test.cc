// The int8-activation GEMV (gemv_q8.h): the activation quantization is
// ggml's q8_0 rule, and every level's result equals the f32 GEMV of the
// dequantized activations (d[b] * q[k]) up to float rounding, the weight
// being the int8 path's (small tables rounded to int8, gemv_q8_table.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "codec/decode_range.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_rows4.h"
#include "gemv/gemv_q8_table.h"
#include "gemv_q8_cases.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes) : p(std::aligned_alloc(64, (bytes + 63) / 64 * 64)) {}
  ~AlignedBuffer() { std::free(p); }
  void* p;
};

TEST(GemvQ8, ActivationsFollowTheQ8Rule) {
  for (int64_t cols : {1, 31, 32, 33, 255, 256, 300, 1000}) {
    std::vector<float> x = random_vector(cols, 7);
    if (cols > 40) {
      for (int i = 32; i < 64 && i < cols; ++i) x[i] = 0.0f;  // an all-zero block
    }
    AlignedBuffer buffer(q8_activation_bytes(cols));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
    ASSERT_EQ(q.cols, cols);
    ASSERT_EQ(q.padded_cols % kQ8Padding, 0);
    ASSERT_GE(q.padded_cols, cols);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(q.q) % 64, 0u);
    for (int64_t b = 0; b < q.padded_cols / kQ8Block; ++b) {
      float amax = 0.0f;
      int32_t sum = 0;
      // Two loops, not one: aarch64 GCC 12 -O3 crashes vectorizing the
      // fused fmax + int8-sum reduction (internal compiler error in
      // vect_transform_reduction).
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block && k < cols; ++k) {
        amax = std::fmax(amax, std::fabs(x[k]));
      }
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block; ++k) sum += q.q[k];
      ASSERT_EQ(q.d[b], amax / 127.0f) << "block " << b;
      ASSERT_EQ(q.sums[b], sum) << "block " << b;
      for (int64_t k = b * kQ8Block; k < (b + 1) * kQ8Block; ++k) {
        if (k >= cols || amax == 0.0f) {
          ASSERT_EQ(q.q[k], 0) << "column " << k;
          continue;
        }
        // Nearest: within half a step of x (plus the rounding of 1/d).
        ASSERT_LE(std::fabs(q.q[k] * q.d[b] - x[k]), 0.5f * q.d[b] * (1 + 1e-5f)) << "column " << k;
        ASSERT_LE(std::abs(static_cast<int>(q.q[k])), 127);
      }
    }
  }
}

// The SIMD quantization (AVX-512) writes the scalar rule's bits,
// padding included, for NaN, infinities and all-zero blocks too.
TEST(GemvQ8, EveryLevelQuantizesToTheSameBits) {
  for (int64_t cols : {1, 31, 32, 33, 300, 768, 1000}) {
    std::vector<float> x = random_vector(cols, 8);
    if (cols > 40) {
      x[3] = NAN;
      x[35] = INFINITY;
      for (int64_t i = 64; i < 96 && i < cols; ++i) x[i] = 0.0f;
    }
    const size_t bytes = q8_activation_bytes(cols);
    AlignedBuffer want(bytes);
    std::memset(want.p, 0x5A, bytes);
    quantize_activations(Isa::kScalar, x.data(), cols, want.p);
    for (Isa isa : available_levels()) {
      AlignedBuffer got(bytes);
      std::memset(got.p, 0x5A, bytes);
      quantize_activations(isa, x.data(), cols, got.p);
      ASSERT_EQ(std::memcmp(want.p, got.p, bytes), 0) << isa_name(isa) << ", " << cols << " columns";
    }
  }
}

TEST(GemvQ8, SmallTablesRoundToInt8WithOneFactor) {
  for (int bits : {1, 2, 3, 4}) {
    const std::vector<float> table = random_table(bits, 40 + bits);
    codec::PackedWeights w;
    w.layout.format = codec::Format::kTable;
    w.layout.bits = bits;
    w.table = table.data();
    ASSERT_TRUE(q8_rounds_table(w));
    int8_t t[16];
    float f = 0.0f;
    q8_table(w, t, &f);
    float amax = 0.0f;
    int tmax = 0;
    for (float v : table) amax = std::fmax(amax, std::fabs(v));
    for (int i = 0; i < (1 << bits); ++i) {
      EXPECT_LE(std::fabs(f * t[i] - table[i]), 0.5f * f * (1 + 1e-5f)) << bits << " bits, entry " << i;
      tmax = std::max(tmax, std::abs(static_cast<int>(t[i])));
    }
    EXPECT_EQ(f, amax / 127.0f);
    EXPECT_EQ(tmax, 127);
  }
  codec::PackedWeights wide;
  wide.layout.format = codec::Format::kTable;
  wide.layout.bits = 5;
  std::vector<float> table5 = random_table(5, 3);
  wide.table = table5.data();
  EXPECT_FALSE(q8_rounds_table(wide));  // the int8 path keeps it exact
}

// The expected result: the scalar f32 GEMV (gemv_on(kScalar)) of the
// dequantized activations with the int8 path's weight, and a tolerance
// from the magnitude of the terms.
struct Expected {
  std::vector<float> y, tolerance;
};

Expected expected_result(const codec::PackedWeights& w_in, const Q8Activations& q, const float* bias) {
  const int64_t rows = w_in.layout.rows, cols = w_in.layout.cols;
  codec::PackedWeights w = w_in;
  float rounded[16];
  if (q8_rounds_table(w_in)) {
    int8_t t[16];
    float f = 0.0f;
    q8_table(w_in, t, &f);
    for (int i = 0; i < (1 << w.layout.bits); ++i) rounded[i] = f * t[i];
    w.table = rounded;
  }
  std::vector<float> xq(static_cast<size_t>(cols));
  for (int64_t k = 0; k < cols; ++k) xq[k] = q.d[k / kQ8Block] * q.q[k];
  Expected e;
  e.y.assign(rows, 0.0f);
  e.tolerance.assign(rows, 0.0f);
  EXPECT_TRUE(gemv_on(Isa::kScalar, w, xq.data(), bias, e.y.data(), 0, rows));
  // Kernels split a weight into a code part and an offset part (s * v and
  // s * o, or d * q and m) that cancel: their size counts too, at most
  // the scale times the code range (2x the table range: codes + 128).
  float code_range = 0.0f;
  if (w.layout.format == Format::kTable) {
    for (int i = 0; i < (1 << w.layout.bits); ++i) code_range = std::fmax(code_range, 2 * std::fabs(w.table[i]));
  } else if (w.layout.format == Format::kInt || codec::is_ggml_block(w.layout.format)) {
    code_range = static_cast<float>(1 << w.layout.bits);
  }
  std::vector<float> decoded(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    codec::decode_row(w, r, decoded.data());
    float magnitude = bias != nullptr ? std::fabs(bias[r]) : 0.0f;
    for (int64_t k = 0; k < cols; ++k) {
      magnitude += std::fabs(decoded[k] * xq[k]) + std::fabs(codec::scale_at(w, r, k) * code_range * xq[k]);
    }
    // Both sums see the same products; only the order (and the factoring
    // of d and the scales) differs: a few ulps of the magnitude per term.
    e.tolerance[r] = 4.0f * (cols + 8) * 1.2e-7f * magnitude + 1e-30f;
  }
  return e;
}

// The weight's int8-activation kernel on every level, against expected.
void check_levels(const FormatCase& f, const codec::PackedWeights& w, const std::vector<float>& x,
                  const float* bias, const char* what) {
  const int64_t rows = w.layout.rows, cols = w.layout.cols;
  AlignedBuffer buffer(q8_activation_bytes(cols));
  const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
  const Expected e = expected_result(w, q, bias);
  for (Isa isa : available_levels()) {
    std::vector<float> y(rows, -1.0f);
    ASSERT_TRUE(gemv_q8_on(isa, w, q, bias, y.data(), 0, rows));
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_NEAR(y[r], e.y[r], e.tolerance[r])
          << f.name << " on " << isa_name(isa) << ", " << what << ", K = " << cols << ", N = " << rows << ", row "
          << r;
    }
  }
}

TEST(GemvQ8, EveryLevelIsTheF32GemvOfTheDequantizedActivations) {
  for (const FormatCase& f : q8_test_formats()) {
    // K: below a block, not a multiple of 32 / 64 / 256, across the
    // kernels' 2048-column chunks; N: below and across the row blocks.
    for (int64_t cols : {1, 31, 32, 33, 63, 200, 256, 777, 2048, 2100}) {
      for (int64_t rows : {1, 3, 11}) {
        const Encoded e = encode_q8_case(f, rows, cols, static_cast<uint32_t>(3 + cols + rows));
        const std::vector<float> x = random_vector(cols, 5);
        const std::vector<float> bias = random_vector(rows, 6);
        check_levels(f, e.packed(), x, bias.data(), "random x");
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(GemvQ8, OneHotActivationsPickTheirColumn) {
  // x = e_k: the result is weight (r, k) times x_k, so a kernel that reads
  // a code, a scale or an activation at the wrong column fails here.
  for (const FormatCase& f : q8_test_formats()) {
    const int64_t rows = 5, cols = 160;
    const Encoded e = encode_q8_case(f, rows, cols, 11);
    for (int64_t k = 0; k < cols; ++k) {
      std::vector<float> x(cols, 0.0f);
      x[k] = k % 2 ? -1.5f : 0.75f;
      check_levels(f, e.packed(), x, nullptr, "one-hot");
      if (HasFatalFailure()) return;
    }
  }
}

TEST(GemvQ8, AnyRowRangeGivesTheSameBits) {
  for (const FormatCase& f : q8_test_formats()) {
    const int64_t rows = 23, cols = 300;
    const Encoded e = encode_q8_case(f, rows, cols, 9);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 10);
    const std::vector<float> bias = random_vector(rows, 12);
    AlignedBuffer buffer(q8_activation_bytes(cols));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
    for (Isa isa : available_levels()) {
      std::vector<float> whole(rows);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), whole.data(), 0, rows));
      for (int64_t step : {1, 2, 3, 5, 7, 8, 13}) {
        std::vector<float> split(rows, -1.0f);
        for (int64_t r = 0; r < rows; r += step) {
          ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), split.data(), r, std::min(rows, r + step)));
        }
        ASSERT_EQ(std::memcmp(whole.data(), split.data(), sizeof(float) * rows), 0)
            << f.name << " on " << isa_name(isa) << ", ranges of " << step;
      }
      // An offset split too: [0, 6), [6, 23).
      std::vector<float> split(rows, -1.0f);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), split.data(), 0, 6));
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), split.data(), 6, rows));
      ASSERT_EQ(std::memcmp(whole.data(), split.data(), sizeof(float) * rows), 0) << f.name << " on " << isa_name(isa);
    }
  }
}

TEST(GemvQ8, SimdKernelsCoverTheirFormats) {
  // Every x86 level has a kernel for every ggml block and for 4- and
  // 8-bit ints and 4-bit tables with one scale per 32 columns or fewer
  // (not 8-bit affine ints: codes up to 255 overflow vpmaddubsw's pairs);
  // AVX-512 VNNI (with VBMI) also for 2- and 3-bit codes and 8-bit affine
  // ints. The rest run the reference. (The Neon levels' coverage is
  // GemvKernelChoice.Q8NeonKernelsCoverTheIntegerFormats'.)
  for (Isa isa : available_levels()) {
    const bool x86 = isa == Isa::kAvx2 || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni;
    if (isa == Isa::kNeon || isa == Isa::kNeonDot) continue;
#if defined(__x86_64__)
    const bool vbmi_level = isa == Isa::kAvx512Vnni && __builtin_cpu_supports("avx512vbmi");
#else
    const bool vbmi_level = false;
#endif
    for (const FormatCase& f : q8_test_formats()) {
      const Encoded e = encode_q8_case(f, 2, 64, 1);
      const bool small_groups = f.granularity == Granularity::kGroup && f.group_size % 32 != 0;
      const bool ggml = f.format == Format::kQ4_0 || f.format == Format::kQ4_1 || f.format == Format::kQ5_0 ||
                        f.format == Format::kQ5_1 || f.format == Format::kQ8_0;
      const bool all_levels = (f.format == Format::kInt && (f.bits == 4 || (f.bits == 8 && f.symmetric))) ||
                              (f.format == Format::kTable && f.bits == 4);
      const bool vnni_only = (f.format == Format::kInt && (f.bits == 2 || f.bits == 3 || f.bits == 8)) ||
                             (f.format == Format::kTable && (f.bits == 2 || f.bits == 3));
      const bool expected = x86 && (ggml || (!small_groups && (all_levels || (vbmi_level && vnni_only))));
      EXPECT_EQ(has_q8_kernel(isa, e.packed()), expected) << f.name << " on " << isa_name(isa);
    }
  }
}

// Integer layouts beyond kFormats' that the SIMD int8-activation kernels
// take (groups of 64 and 128, e8 and f32 scales, per tensor), over a
// chunk-sized K.
const FormatCase kMoreQ8Layouts[] = {
    {"int4_g64_e8", Format::kInt, 4, Granularity::kGroup, 64, ScaleType::kE8, true, true},
    {"int4_tensor_f32", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kF32, true, true},
    {"int8_g128_f32", Format::kInt, 8, Granularity::kGroup, 128, ScaleType::kF32, true, false},
    {"int8_g64_e8", Format::kInt, 8, Granularity::kGroup, 64, ScaleType::kE8, true, false},
};

// Every level against the reference on the same q (the reference is the
// definition: decode, float sums per block, blocks in order).
void expect_levels_match_reference(const FormatCase& f, int64_t rows, int64_t cols, uint32_t seed) {
  const Encoded e = encode_case(f, rows, cols, seed);
  const codec::PackedWeights w = e.packed();
  const std::vector<float> x = random_vector(cols, seed + 1);
  const std::vector<float> bias = random_vector(rows, seed + 2);
  AlignedBuffer buffer(q8_activation_bytes(cols));
  const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
  std::vector<float> expected(rows);
  gemv_q8_reference(w, q, bias.data(), expected.data(), 0, rows);
  std::vector<float> decoded(static_cast<size_t>(cols));
  for (Isa isa : available_levels()) {
    std::vector<float> y(rows, -1.0f);
    ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), y.data(), 0, rows));
    for (int64_t r = 0; r < rows; ++r) {
      codec::decode_row(w, r, decoded.data());
      float magnitude = std::fabs(bias[r]);
      for (int64_t k = 0; k < cols; ++k) magnitude += std::fabs(decoded[k] * q.d[k / kQ8Block] * q.q[k]);
      const float tolerance = 4.0f * (cols + 8) * 1.2e-7f * magnitude;
      ASSERT_NEAR(y[r], expected[r], tolerance) << f.name << " on " << isa_name(isa) << ", K = " << cols;
    }
  }
}

TEST(GemvQ8, MoreIntegerLayoutsMatchTheReference) {
  for (const FormatCase& f : kMoreQ8Layouts) {
    for (int64_t cols : {64, 200, 4500}) expect_levels_match_reference(f, 5, cols, 17);
  }
}

// x = e_c: y[r] is w[r, c] * 127 * d (d = 1/127) up to rounding, on every
// level: each weight of every lane and tail is in its place (a wrong
// column would be off by a whole quantization step). The rounding is
// relative to the row's largest weight, not to w[r, c]: kernels that
// work on offset codes (q8_0 + 128 under VNNI, q4_1's min) subtract the
// offset's contribution in float, so a small weight is the difference of
// two terms of the row's scale.
TEST(GemvQ8, OneHotInputsGiveEachWeight) {
  for (const FormatCase& f : kFormats) {
    for (int64_t cols : {int64_t{37}, int64_t{200}}) {
      const int64_t rows = 3;
      const Encoded e = encode_case(f, rows, cols, static_cast<uint32_t>(cols + 1));
      const codec::PackedWeights w = e.packed();
      std::vector<float> x(static_cast<size_t>(cols), 0.0f);
      AlignedBuffer buffer(q8_activation_bytes(cols));
      std::vector<float> row_max(rows, 0.0f), decoded(static_cast<size_t>(cols));
      for (int64_t r = 0; r < rows; ++r) {
        codec::decode_row(w, r, decoded.data());
        for (float v : decoded) row_max[r] = std::fmax(row_max[r], std::fabs(v));
      }
      for (int64_t c = 0; c < cols; ++c) {
        x[c] = 1.0f;
        const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
        std::vector<float> expected(rows);
        gemv_q8_reference(w, q, nullptr, expected.data(), 0, rows);
        for (Isa isa : available_levels()) {
          std::vector<float> y(rows);
          ASSERT_TRUE(gemv_q8_on(isa, w, q, nullptr, y.data(), 0, rows));
          for (int64_t r = 0; r < rows; ++r) {
            ASSERT_NEAR(y[r], expected[r], 16.0f * 1.2e-7f * (std::fabs(expected[r]) + 2.0f * row_max[r]))
                << f.name << " on " << isa_name(isa) << ": w[" << r << ", " << c << "] of " << rows << " x " << cols;
          }
        }
        x[c] = 0.0f;
      }
    }
  }
}

// A row's result is the same bits whatever row range computes it.
TEST(GemvQ8, ResultsDoNotDependOnTheRowRange) {
  const int64_t rows = 13, cols = 300;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 31);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 32);
    const std::vector<float> bias = random_vector(rows, 33);
    AlignedBuffer buffer(q8_activation_bytes(cols));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
    for (Isa isa : available_levels()) {
      std::vector<float> whole(rows);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), whole.data(), 0, rows));
      for (int64_t step : {int64_t{1}, int64_t{3}, int64_t{5}}) {
        std::vector<float> parts(rows, -1.0f);
        for (int64_t r = 0; r < rows; r += step) {
          ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), parts.data(), r, r + step < rows ? r + step : rows));
        }
        ASSERT_EQ(std::memcmp(whole.data(), parts.data(), sizeof(float) * rows), 0)
            << f.name << " on " << isa_name(isa) << ", steps of " << step;
      }
      std::vector<float> untouched(rows, 7.0f);
      ASSERT_TRUE(gemv_q8_on(isa, w, q, bias.data(), untouched.data(), 4, 4));
      for (float v : untouched) ASSERT_EQ(v, 7.0f);
    }
  }
}

// ------------------------------------------------- repacked 4-bit (rows4)

// The formats with a rows4 layout: Q4_0, Q4_1, and 2- to 4-bit ints
// (symmetric or affine) and tables with f16 or e8 scales per 32 columns or
// a scale of any type per row or tensor.
const FormatCase kRows4Formats[] = {
    {"q4_0", Format::kQ4_0, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q4_1", Format::kQ4_1, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut4_g32_f16", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int4_g32_e8", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut4_g32_e8", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"int4_asym_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"int4_asym_g32_e8", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kE8, false, true},
    {"int4_channel_f32", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4_channel_f16", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF16, true, true},
    {"lut4_channel_f32", Format::kTable, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4_asym_channel_f32", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32, false, true},
    {"int4_tensor_f16", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kF16, true, true},
    {"lut4_tensor_e8", Format::kTable, 4, Granularity::kTensor, 0, ScaleType::kE8, true, true},
    {"int4_asym_tensor_e8", Format::kInt, 4, Granularity::kTensor, 0, ScaleType::kE8, false, true},
    // 2- and 3-bit codes (their own kernel): the same kinds.
    {"int2_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int3_g32_e8", Format::kInt, 3, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut2_g32_e8", Format::kTable, 2, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut3_g32_f16", Format::kTable, 3, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int2_asym_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"int3_asym_g32_e8", Format::kInt, 3, Granularity::kGroup, 32, ScaleType::kE8, false, true},
    {"int3_channel_f32", Format::kInt, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"lut2_channel_f16", Format::kTable, 2, Granularity::kChannel, 0, ScaleType::kF16, true, true},
    {"lut3_channel_f32", Format::kTable, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int2_asym_channel_f32", Format::kInt, 2, Granularity::kChannel, 0, ScaleType::kF32, false, true},
    {"int3_asym_tensor_f16", Format::kInt, 3, Granularity::kTensor, 0, ScaleType::kF16, false, true},
};

// Which weights get a rows4 layout on the VNNI level (the rule the list
// above samples).
bool has_rows4_layout(const FormatCase& f) {
  if (f.format == Format::kQ4_0 || f.format == Format::kQ4_1) return true;
  if ((f.format != Format::kInt && f.format != Format::kTable) || f.bits < 2 || f.bits > 4) return false;
  return f.granularity != Granularity::kGroup || (f.group_size == 32 && f.scale_type != ScaleType::kF32);
}

bool vnni_here() {
  return can_use_rows4(Isa::kAvx512Vnni, encode_case(kRows4Formats[0], 4, 64, 1).packed());
}

struct Repacked {
  explicit Repacked(const codec::PackedWeights& w) : buffer(rows4_bytes(w)) {
    repack_rows4(w, static_cast<uint8_t*>(buffer.p));
    view = rows4_weights(w, static_cast<const uint8_t*>(buffer.p));
  }
  AlignedBuffer buffer;
  Rows4Weights view;
};

// The repacked kernel computes the int8 path's definition: odd block
// counts (a half-empty last unit), K not a multiple of 32, rows not a
// multiple of 4, more than one 4096-column chunk, random and one-hot
// activations.
TEST(GemvQ8Rows4, MatchesTheDefinition) {
  if (!vnni_here()) GTEST_SKIP() << "no AVX-512 VNNI here: the rows4 kernel never runs";
  for (const FormatCase& f : kRows4Formats) {
    for (int64_t cols : {32, 33, 64, 96, 200, 777, 2048, 4200}) {
      for (int64_t rows : {1, 3, 4, 5, 11}) {
        const Encoded e = encode_q8_case(f, rows, cols, static_cast<uint32_t>(40 + cols + rows));
        const codec::PackedWeights w = e.packed();
        ASSERT_TRUE(can_use_rows4(Isa::kAvx512Vnni, w)) << f.name;
        const Repacked r(w);
        for (int one_hot = 0; one_hot < 2; ++one_hot) {
          std::vector<float> x = random_vector(cols, 41);
          if (one_hot) {
            std::fill(x.begin(), x.end(), 0.0f);
            x[static_cast<size_t>(cols * 5 / 7)] = -1.25f;
          }
          const std::vector<float> bias = random_vector(rows, 42);
          AlignedBuffer buffer(q8_activation_bytes(cols));
          const Q8Activations q = quantize_activations(default_isa(), x.data(), cols, buffer.p);
          const Expected expected = expected_result(w, q, bias.data());
          std::vector<float> y(rows, -1.0f);
          gemv_q8_rows4(r.view, q, bias.data(), y.data(), 0, rows);
          for (int64_t row = 0; row < rows; ++row) {
            ASSERT_NEAR(y[row], expected.y[row], expected.tolerance[row])
                << f.name << ", K = " << cols << ", N = " << rows << ", row " << row << (one_hot ? ", one-hot x" : "");
          }
        }
      }
    }
  }
}

// Row ranges that cut blocks of 4 rows give the same bits and write
// nothing outside the range (threads own disjoint ranges of y).
TEST(GemvQ8Rows4, AnyRowRangeGivesTheSameBits) {
  if (!vnni_here()) GTEST_SKIP() << "no AVX-512 VNNI here";
  for (const FormatCase& f : kRows4Formats) {
    const Encoded e = encode_q8_case(f, 23, 320, 43);
    const Repacked r(e.packed());
    const std::vector<float> x = random_vector(320, 44);
    const std::vector<float> bias = random_vector(23, 45);
    AlignedBuffer buffer(q8_activation_bytes(320));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), 320, buffer.p);
    std::vector<float> whole(23);
    gemv_q8_rows4(r.view, q, bias.data(), whole.data(), 0, 23);
    for (int64_t step : {1, 3, 5, 8}) {
      std::vector<float> parts(23, -1.0f);
      for (int64_t row = 0; row < 23; row += step) {
        gemv_q8_rows4(r.view, q, bias.data(), parts.data(), row, row + step < 23 ? row + step : 23);
      }
      ASSERT_EQ(std::memcmp(whole.data(), parts.data(), sizeof(float) * 23), 0) << f.name << ", steps of " << step;
    }
    std::vector<float> outside(23, 7.0f);
    gemv_q8_rows4(r.view, q, bias.data(), outside.data(), 6, 9);
    for (int64_t row = 0; row < 23; ++row) {
      if (row < 6 || row >= 9) {
        ASSERT_EQ(outside[row], 7.0f) << f.name << ", row " << row;
      }
    }
  }
}

// Q4_0 and Q4_1 are 4-bit whatever the layout's `bits` says (the format
// defines them; files may leave the field 0): the repacking must not read
// it as the width.
TEST(GemvQ8Rows4, GgmlBlocksDoNotDependOnTheLayoutsBits) {
  if (!vnni_here()) GTEST_SKIP() << "no AVX-512 VNNI here";
  for (const FormatCase& f : {kRows4Formats[0], kRows4Formats[1]}) {
    const Encoded e = encode_q8_case(f, 9, 200, 47);
    codec::PackedWeights w = e.packed();
    const Repacked as_encoded(w);
    w.layout.bits = 0;
    ASSERT_TRUE(can_use_rows4(Isa::kAvx512Vnni, w)) << f.name;
    ASSERT_EQ(rows4_bytes(w), rows4_bytes(e.packed())) << f.name;
    const Repacked r(w);
    ASSERT_EQ(std::memcmp(r.buffer.p, as_encoded.buffer.p, rows4_bytes(w)), 0) << f.name;
    const std::vector<float> x = random_vector(200, 48);
    AlignedBuffer buffer(q8_activation_bytes(200));
    const Q8Activations q = quantize_activations(default_isa(), x.data(), 200, buffer.p);
    const Expected expected = expected_result(e.packed(), q, nullptr);
    std::vector<float> y(9);
    gemv_q8_rows4(r.view, q, nullptr, y.data(), 0, 9);
    for (int64_t row = 0; row < 9; ++row) ASSERT_NEAR(y[row], expected.y[row], expected.tolerance[row]) << f.name;
  }
}

// Only those formats, only on the VNNI level: groups of 16 or 64, f32
// group scales and other widths keep the file's layout.
TEST(GemvQ8Rows4, OnlyItsFormatsOnTheVnniLevel) {
  std::vector<FormatCase> all = q8_test_formats();
  all.insert(all.end(), std::begin(kRows4Formats), std::end(kRows4Formats));
  int with_layout = 0;
  for (const FormatCase& f : all) {
    const Encoded e = encode_q8_case(f, 4, 64, 46);
    EXPECT_FALSE(can_use_rows4(Isa::kAvx512, e.packed())) << f.name;
    EXPECT_FALSE(can_use_rows4(Isa::kScalar, e.packed())) << f.name;
    if (vnni_here()) {
      EXPECT_EQ(can_use_rows4(Isa::kAvx512Vnni, e.packed()), has_rows4_layout(f)) << f.name;
    }
    with_layout += has_rows4_layout(f);
  }
  EXPECT_GT(with_layout, 26);
  EXPECT_LT(with_layout, static_cast<int>(all.size()));
}

}  // namespace
}  // namespace nibble::gemv
