// Which kernels really run: a level's comparisons with the reference prove
// nothing if the level silently ran the reference. For every format with
// a SIMD kernel, each SIMD level this machine has must run its own table
// (on AArch64 the Neon one, on both Neon levels); the int8-activation path
// must have Neon kernels for its integer formats on AArch64; and on
// AArch64 cpu_features() must agree with the kernel's own HWCAP bits
// (under qemu -cpu max: dotprod, under -cpu cortex-a72: none).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemv/gemv_kernels.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_plan.h"
#include "gemv_cases.h"

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>

#include "gemv/gemv_q8_neon.h"
#endif

namespace nibble::gemv {
namespace {

using namespace testing_support;

// The table a SIMD level uses for f32 activations.
const char* table_of(Isa isa) {
  switch (isa) {
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512:
    case Isa::kAvx512Vnni: return "avx512";
    case Isa::kNeon:
    case Isa::kNeonDot: return "neon";
    case Isa::kScalar: break;
  }
  return "reference";
}

TEST(GemvKernelChoice, SimdFormatsRunTheLevelsOwnTable) {
  int simd_levels = 0;
  for (Isa isa : available_levels()) {
    if (isa == Isa::kScalar) continue;
    ++simd_levels;
    for (const FormatCase& f : kFormats) {
      const Encoded e = encode_case(f, 3, 64, 1);
      const codec::PackedWeights w = e.packed();
      const char* name = kernel_name_on(isa, w);
      ASSERT_NE(name, nullptr) << isa_name(isa);
      // Every SIMD level has the first kernel shapes; the later ones
      // (1..3- and 5..8-bit codes, q4_1/q5_x) exist on AVX-512 only so
      // far, and elsewhere run the reference.
      const Shape shape = make_plan(w).shape;
      const bool everywhere = shape == Shape::kCode4 || shape == Shape::kInt8 || shape == Shape::kQ4_0 ||
                              shape == Shape::kQ8_0;
      const bool own_table = f.simd && (everywhere || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni ||
                                        (isa == Isa::kAvx2 && shape == Shape::kHalf));
      EXPECT_EQ(std::string(name), own_table ? table_of(isa) : "reference") << f.name << " on " << isa_name(isa);
    }
  }
  EXPECT_EQ(std::string(kernel_name_on(Isa::kScalar, encode_case(kFormats[0], 3, 64, 1).packed())), "reference");
#if defined(__aarch64__)
  EXPECT_GE(simd_levels, 1);  // kNeon is baseline: the Neon table must have run above
#else
  (void)simd_levels;
#endif
}

#if defined(__aarch64__)
// The formats the Neon int8-activation kernels take: integer codes times a
// per-row or per-32-multiple-group scale (ggml blocks, symmetric ints).
bool q8_neon_format(const FormatCase& f) {
  if (f.format == Format::kQ4_0 || f.format == Format::kQ8_0) return true;
  return f.format == Format::kInt && f.symmetric && (f.bits == 4 || f.bits == 8) &&
         (f.granularity != Granularity::kGroup || f.group_size % kQ8Block == 0);
}

TEST(GemvKernelChoice, Q8NeonKernelsCoverTheIntegerFormats) {
  const bool dot = isa_available(Isa::kNeonDot);
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, 3, 64, 2);
    const codec::PackedWeights w = e.packed();
    const bool expected = q8_neon_format(f);
    EXPECT_EQ(has_q8_kernel(Isa::kNeon, w), expected) << f.name;
    EXPECT_EQ(has_q8_kernel(Isa::kNeonDot, w), expected) << f.name;
    EXPECT_FALSE(has_q8_kernel(Isa::kScalar, w)) << f.name;
    EXPECT_EQ(q8_neon_level(Isa::kNeon, w), expected ? Isa::kNeon : Isa::kScalar) << f.name;
    EXPECT_EQ(q8_neon_level(Isa::kNeonDot, w), expected ? (dot ? Isa::kNeonDot : Isa::kNeon) : Isa::kScalar)
        << f.name;
  }
}

TEST(GemvKernelChoice, CpuFeaturesAgreeWithHwcap) {
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const CpuFeatures& cpu = cpu_features();
  EXPECT_TRUE(cpu.initialized) << cpu.description;
  EXPECT_EQ(cpu.neon_dotprod, (hwcap & HWCAP_ASIMDDP) != 0) << cpu.description;
  EXPECT_EQ(isa_available(Isa::kNeonDot), (hwcap & HWCAP_ASIMDDP) != 0) << cpu.description;
  // Under toolchains/qemu-aarch64.sh the guest sees the CPU model it was
  // given: pin what QEMU must report for the two the arm64 leg uses.
  const char* model = std::getenv("NIBBLE_QEMU_CPU");
  if (model != nullptr && std::strcmp(model, "max") == 0) {
    EXPECT_TRUE(cpu.neon_dotprod) << cpu.description;
  }
  if (model != nullptr && std::strcmp(model, "cortex-a72") == 0) {
    EXPECT_FALSE(cpu.neon_dotprod) << cpu.description;
  }
}
#endif

}  // namespace
}  // namespace nibble::gemv
