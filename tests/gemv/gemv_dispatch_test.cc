// The level gemv() runs: the best one the CPU has, NIBBLE_ISA lowers
// it (ctest runs this binary once more per forced level), gemv() gives
// exactly what gemv_on() gives on that level, and the formats without a
// SIMD kernel give the reference's bits on every level.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemv_cases.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

TEST(GemvDispatch, NamesRoundTrip) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    Isa parsed = Isa::kScalar;
    ASSERT_TRUE(parse_isa(isa_name(isa), &parsed));
    EXPECT_EQ(parsed, isa);
  }
  Isa unchanged = Isa::kAvx2;
  EXPECT_FALSE(parse_isa("avx1024", &unchanged));
  EXPECT_EQ(unchanged, Isa::kAvx2);
  EXPECT_TRUE(isa_available(Isa::kScalar));
}

TEST(GemvDispatch, DefaultIsTheBestLevelOrTheForcedOne) {
  Isa best = Isa::kScalar;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    if (isa_available(isa)) best = isa;
  }
  const char* forced = std::getenv("NIBBLE_ISA");
  Isa expected = best;
  Isa ceiling = Isa::kScalar;
  if (forced != nullptr && parse_isa(forced, &ceiling) && isa_le(ceiling, best)) {
    expected = ceiling;  // every lower level is available wherever a higher one is
  }
  EXPECT_EQ(default_isa(), expected) << "NIBBLE_ISA=" << (forced != nullptr ? forced : "(unset)") << ", CPU: "
                                     << cpu_features().description;
}

#if defined(__x86_64__)
TEST(GemvDispatch, ThisMachineHasTheSimdLevels) {
  // Documents what the SIMD tests covered here: a CPU with AVX-512 runs all
  // three levels (the project's CI machines have it).
  const CpuFeatures& cpu = cpu_features();
  EXPECT_EQ(isa_available(Isa::kAvx2), cpu.avx2 && cpu.fma3 && cpu.f16c);
  EXPECT_EQ(isa_available(Isa::kAvx512), cpu.avx512f && cpu.avx512bw && cpu.avx512vl);
  EXPECT_EQ(isa_available(Isa::kAvx512Vnni), isa_available(Isa::kAvx512) && cpu.avx512vnni);
  EXPECT_FALSE(isa_available(Isa::kNeon));
}
#endif

#if defined(__aarch64__)
TEST(GemvDispatch, ThisMachineHasNeon) {
  EXPECT_TRUE(isa_available(Isa::kNeon));
  EXPECT_EQ(isa_available(Isa::kNeonDot), cpu_features().neon_dotprod);
  EXPECT_FALSE(isa_available(Isa::kAvx2));
}
#endif

TEST(GemvDispatch, GemvIsTheDefaultLevel) {
  const int64_t rows = 9, cols = 333;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 5);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 6);
    const std::vector<float> bias = random_vector(rows, 7);
    std::vector<float> a(rows), b(rows);
    gemv(w, x.data(), bias.data(), a.data(), 0, rows);
    ASSERT_TRUE(gemv_on(default_isa(), w, x.data(), bias.data(), b.data(), 0, rows));
    ASSERT_EQ(std::memcmp(a.data(), b.data(), sizeof(float) * rows), 0) << f.name;
  }
}

TEST(GemvDispatch, FormatsWithoutKernelsRunTheReferenceEverywhere) {
  const int64_t rows = 6, cols = 77;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 8);
    const codec::PackedWeights w = e.packed();
    EXPECT_EQ(has_simd_kernel(w), f.simd) << f.name;
    if (f.simd) continue;
    const std::vector<float> x = random_vector(cols, 9);
    std::vector<float> expected(rows);
    ASSERT_TRUE(gemv_on(Isa::kScalar, w, x.data(), nullptr, expected.data(), 0, rows));
    for (Isa isa : available_levels()) {
      std::vector<float> y(rows);
      ASSERT_TRUE(gemv_on(isa, w, x.data(), nullptr, y.data(), 0, rows));
      ASSERT_EQ(std::memcmp(y.data(), expected.data(), sizeof(float) * rows), 0) << f.name << " " << isa_name(isa);
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
