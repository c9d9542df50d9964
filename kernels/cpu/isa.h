// The instruction-set levels of the fused kernels (GEMV, GEMM, Conv2d),
// one enum for every family so that one session option or one environment
// variable lowers them all.
//
// Levels of one architecture are ordered: scalar < avx2 < avx512 <
// avx512vnni on x86-64, scalar < neon < neondot on AArch64. A kernel family
// runs the highest level it has a kernel for that is <= the level asked
// for (a family without, say, a VNNI kernel runs its AVX-512 one).
#pragma once

namespace nibble {

enum class Isa : int {
  kScalar = 0,
  // x86-64
  kAvx2 = 1,        // AVX2, FMA3, F16C
  kAvx512 = 2,      // AVX-512 F, BW, VL (plus the above)
  kAvx512Vnni = 3,  // AVX-512 VNNI (int8 dot products)
  // AArch64
  kNeon = 11,     // Armv8.0 Advanced SIMD
  kNeonDot = 12,  // Armv8.2 dot product (SDOT/UDOT)
};

// Whether this build and this CPU can run the level.
bool isa_available(Isa isa);

// The best available level, lowered once per process by the environment
// variable NIBBLE_ISA (a name below; a level the CPU lacks or an unknown
// name is ignored). Freestanding builds: kScalar.
Isa default_isa();

// The highest available level that is <= ceiling (same architecture, or
// scalar). Sessions use it for their option; tests for each level.
Isa isa_at_most(Isa ceiling);

// Whether `level` is <= `ceiling` (scalar is below every level; levels of
// different architectures are not comparable: false).
bool isa_le(Isa level, Isa ceiling);

const char* isa_name(Isa isa);  // "scalar", "avx2", "avx512", "avx512vnni", "neon", "neondot"
bool parse_isa(const char* name, Isa* isa);

}  // namespace nibble
