// Every instruction-set level this CPU has (scalar, avx2, avx512; neon on
// aarch64) gives bit-identical results to the scalar table: the SIMD
// paths (f32 -> u8/i8 and the packed types through them, u8/i8 -> f32
// SET and ADD, min/max) over every length up to 200, misaligned buffers,
// the special values, and outputs large enough to be streamed
// (non-temporal stores). Also: NIBBLE_QUANT_ISA is honoured.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "nibble/quant.h"
#include "quant/kernel_dispatch.h"
#include "quant/quant_context.h"
#include "reference.h"
#include "test_data.h"

namespace quant_test {
namespace {

using nibble::quant::Isa;

struct Level {
  Isa isa;
  const char* name;
};
constexpr Level kLevels[] = {{Isa::kAvx2, "avx2"}, {Isa::kAvx512, "avx512"}, {Isa::kNeon, "neon"}};

// A single-threaded context on one level, or nullptr if the CPU lacks it.
nibble_quant_context* context_for(Isa isa) {
  nibble_quant_context* ctx = nullptr;
  EXPECT_EQ(nibble_quant_context_create(1, &ctx, nullptr), NIBBLE_OK);
  if (!nibble::quant::force_context_isa(ctx, isa)) {
    nibble_quant_context_destroy(ctx);
    return nullptr;
  }
  return ctx;
}

// Runs every SIMD-backed call on `ctx` over x[offset .. offset + n) with
// outputs misaligned by `offset`, and returns all outputs concatenated.
std::vector<uint8_t> simd_paths(nibble_quant_context* ctx, const std::vector<float>& x, size_t offset, size_t n) {
  std::vector<uint8_t> all;
  auto append = [&all](const void* p, size_t bytes) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    all.insert(all.end(), b, b + bytes);
  };
  const float* in = x.data() + offset;
  const nibble_qtype types[] = {NIBBLE_QTYPE_U8, NIBBLE_QTYPE_I8, NIBBLE_QTYPE_U4,
                                NIBBLE_QTYPE_I4, NIBBLE_QTYPE_U2, NIBBLE_QTYPE_I2};
  for (nibble_qtype type : types) {
    const TypeSpec& t = spec_of(type);
    std::vector<uint8_t> q(storage_bytes(t, n) + offset + 1);
    const int64_t zp = t.is_signed ? -1 : 3;
    EXPECT_EQ(nibble_quantize_f32(ctx, in, n, q.data() + offset, type, 0.037f, zp, NIBBLE_ROUND_NEAREST, 0, nullptr),
              NIBBLE_OK);
    append(q.data() + offset, storage_bytes(t, n));
    for (nibble_store_mode store : {NIBBLE_STORE_SET, NIBBLE_STORE_ADD}) {
      std::vector<float> out(n + offset + 1, 1.25f);
      EXPECT_EQ(nibble_dequantize_f32(ctx, q.data() + offset, n, type, 0.037f, zp, out.data() + offset, store, nullptr),
                NIBBLE_OK);
      append(out.data() + offset, n * sizeof(float));
    }
  }
  // Min/max through the parameters (finite data only).
  std::vector<float> finite(in, in + n);
  for (float& v : finite) v = std::isfinite(v) ? v : -0.25f;
  std::vector<double> finite_d(finite.begin(), finite.end());
  float scale = 0;
  double scale_d = 0;
  int64_t zp = 0, zp_d = 0;
  EXPECT_EQ(nibble_quant_params_f32(ctx, finite.data(), n, NIBBLE_QTYPE_U8, &scale, &zp, nullptr), NIBBLE_OK);
  EXPECT_EQ(nibble_quant_params_f64(ctx, finite_d.data(), n, NIBBLE_QTYPE_I16, &scale_d, &zp_d, nullptr), NIBBLE_OK);
  append(&scale, sizeof(scale));
  append(&zp, sizeof(zp));
  append(&scale_d, sizeof(scale_d));
  append(&zp_d, sizeof(zp_d));
  return all;
}

TEST(IsaLevels, EveryLevelMatchesScalarBitForBit) {
  nibble_quant_context* scalar = context_for(Isa::kScalar);
  ASSERT_NE(scalar, nullptr);
  const std::vector<float> x = make_data<float>(4300, spec_of(NIBBLE_QTYPE_U8), 0.037f, 3, 99);
  int levels_run = 0;
  for (const Level& level : kLevels) {
    nibble_quant_context* ctx = context_for(level.isa);
    if (ctx == nullptr) continue;  // this CPU (or build) lacks the level
    ++levels_run;
    const char* name = nullptr;
    ASSERT_EQ(nibble_quant_isa(ctx, &name, nullptr), NIBBLE_OK);
    EXPECT_STREQ(name, level.name);
    for (size_t offset = 0; offset < 4; ++offset) {
      for (size_t n = 0; n <= 200; ++n) {
        ASSERT_EQ(simd_paths(ctx, x, offset, n), simd_paths(scalar, x, offset, n))
            << level.name << " n=" << n << " offset=" << offset;
      }
      for (size_t n : {1001, 4099}) {
        ASSERT_EQ(simd_paths(ctx, x, offset, n), simd_paths(scalar, x, offset, n))
            << level.name << " n=" << n << " offset=" << offset;
      }
    }
    nibble_quant_context_destroy(ctx);
  }
  nibble_quant_context_destroy(scalar);
  std::printf("SIMD levels compared with scalar: %d\n", levels_run);
}

TEST(IsaLevels, StreamedOutputsMatchScalar) {
  // Outputs of 8 MiB and more are written with non-temporal stores:
  // 8.4 M u8 codes, and 2.2 M floats dequantized, with misaligned outputs
  // so the unaligned heads are covered too.
  nibble_quant_context* scalar = context_for(Isa::kScalar);
  const size_t n = (8u << 20) + 12345;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<int>(i % 601) - 300) * 0.5f + 0.25f;
  std::vector<uint8_t> want(n + 1), got(n + 1);
  ASSERT_EQ(nibble_quantize_f32(scalar, x.data(), n, want.data() + 1, NIBBLE_QTYPE_U8, 1.0f, 128, NIBBLE_ROUND_NEAREST,
                                0, nullptr),
            NIBBLE_OK);
  const size_t m = (9u << 20) / 4 + 7;
  std::vector<float> want_f(m + 1), got_f(m + 1);
  ASSERT_EQ(nibble_dequantize_f32(scalar, want.data() + 1, m, NIBBLE_QTYPE_U8, 0.5f, 128, want_f.data() + 1,
                                  NIBBLE_STORE_SET, nullptr),
            NIBBLE_OK);
  for (const Level& level : kLevels) {
    nibble_quant_context* ctx = context_for(level.isa);
    if (ctx == nullptr) continue;
    std::fill(got.begin(), got.end(), 0);
    ASSERT_EQ(nibble_quantize_f32(ctx, x.data(), n, got.data() + 1, NIBBLE_QTYPE_U8, 1.0f, 128, NIBBLE_ROUND_NEAREST, 0,
                                  nullptr),
              NIBBLE_OK);
    EXPECT_TRUE(got == want) << level.name << ": streamed quantize differs";
    std::fill(got_f.begin(), got_f.end(), 0.0f);
    ASSERT_EQ(nibble_dequantize_f32(ctx, want.data() + 1, m, NIBBLE_QTYPE_U8, 0.5f, 128, got_f.data() + 1,
                                    NIBBLE_STORE_SET, nullptr),
              NIBBLE_OK);
    EXPECT_TRUE(got_f == want_f) << level.name << ": streamed dequantize differs";
    nibble_quant_context_destroy(ctx);
  }
  nibble_quant_context_destroy(scalar);
}

TEST(IsaLevels, NanIsFoundAnywhere) {
  // Parameters reject NaN whether it sits in a SIMD block or the tail.
  for (const Level& level : {Level{Isa::kScalar, "scalar"}, kLevels[0], kLevels[1], kLevels[2]}) {
    nibble_quant_context* ctx = context_for(level.isa);
    if (ctx == nullptr) continue;
    for (size_t n : {1, 15, 16, 17, 64, 100, 1000}) {
      for (size_t at : {size_t(0), n / 2, n - 1}) {
        std::vector<float> x(n, 1.0f);
        x[at] = NAN;
        float scale = 0;
        int64_t zp = 0;
        nibble_error error{};
        EXPECT_EQ(nibble_quant_params_f32(ctx, x.data(), n, NIBBLE_QTYPE_U8, &scale, &zp, &error),
                  NIBBLE_INVALID_ARGUMENT)
            << level.name << " n=" << n << " at=" << at;
        std::vector<double> xd(x.begin(), x.end());
        double scale_d = 0;
        EXPECT_EQ(nibble_quant_params_f64(ctx, xd.data(), n, NIBBLE_QTYPE_U8, &scale_d, &zp, &error),
                  NIBBLE_INVALID_ARGUMENT)
            << level.name << " n=" << n << " at=" << at;
      }
    }
    nibble_quant_context_destroy(ctx);
  }
}

TEST(IsaLevels, EnvironmentVariableIsHonoured) {
  // ctest runs this binary once more with NIBBLE_QUANT_ISA=scalar (and
  // =avx2 on x86-64): the process default must then be that level (or the
  // best below it this CPU has).
  const char* forced = std::getenv("NIBBLE_QUANT_ISA");
  const char* name = nullptr;
  ASSERT_EQ(nibble_quant_isa(nullptr, &name, nullptr), NIBBLE_OK);
  nibble_quant_context* ctx = nullptr;
  ASSERT_EQ(nibble_quant_context_create(2, &ctx, nullptr), NIBBLE_OK);
  const char* context_name = nullptr;
  ASSERT_EQ(nibble_quant_isa(ctx, &context_name, nullptr), NIBBLE_OK);
  EXPECT_STREQ(context_name, name);  // new contexts take the process default
  nibble_quant_context_destroy(ctx);
  if (forced == nullptr) {
    std::printf("NIBBLE_QUANT_ISA unset; kernels: %s\n", name);
    return;
  }
  Isa isa;
  ASSERT_TRUE(nibble::quant::parse_isa(forced, &isa)) << forced;
  if (nibble::quant::kernels_for(isa) != nullptr) {
    EXPECT_STREQ(name, forced);
  }
  std::printf("NIBBLE_QUANT_ISA=%s; kernels: %s\n", forced, name);
}

}  // namespace
}  // namespace quant_test
