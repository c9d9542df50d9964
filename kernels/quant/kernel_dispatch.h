// Which kernel table (simd_kernels.h) runs: the best this build and CPU
// have (kernels/cpu/cpu_features.h), chosen once per process, lowered by
// the environment variable NIBBLE_QUANT_ISA=scalar|avx2|avx512|neon (for
// tests and bug reports; a level above what the CPU has, or an unknown
// value, is ignored). Freestanding builds always use the scalar table.
#pragma once

#include "quant/simd_kernels.h"

namespace nibble::quant {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3 };

// The table of one level, or nullptr if this build or this CPU lacks it.
const SimdKernels* kernels_for(Isa isa);

// The process's table: the best level, or NIBBLE_QUANT_ISA's if lower.
const SimdKernels& default_kernels();

// "scalar", "avx2", "avx512", "neon" -> the level; false for anything else.
bool parse_isa(const char* name, Isa* isa);

}  // namespace nibble::quant
