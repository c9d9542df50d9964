#include "quant/kernel_dispatch.h"

#include <cstdlib>
#include <cstring>

#include "cpu/cpu_features.h"

namespace nibble::quant {
namespace {

// Levels from the best down: the first one the CPU has wins.
#if NIBBLE_QUANT_X86_KERNELS
constexpr Isa kPreference[] = {Isa::kAvx512, Isa::kAvx2, Isa::kScalar};
#elif NIBBLE_QUANT_NEON_KERNELS
constexpr Isa kPreference[] = {Isa::kNeon, Isa::kScalar};
#else
constexpr Isa kPreference[] = {Isa::kScalar};
#endif

#if !NIBBLE_FREESTANDING
const SimdKernels* select_kernels() {
  const char* forced = std::getenv("NIBBLE_QUANT_ISA");
  Isa ceiling = Isa::kScalar;
  bool lowered = forced != nullptr && parse_isa(forced, &ceiling);
  bool known_here = false;  // e.g. "neon" means nothing to an x86 build
  for (Isa isa : kPreference) known_here = known_here || isa == ceiling;
  lowered = lowered && known_here;
  bool reached = !lowered;  // skip the levels above the forced one
  for (Isa isa : kPreference) {
    if (lowered && isa == ceiling) reached = true;
    const SimdKernels* kernels = kernels_for(isa);
    if (reached && kernels != nullptr) return kernels;
  }
  return &scalar_kernels();
}
#endif

}  // namespace

const SimdKernels* kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return &scalar_kernels();
#if NIBBLE_QUANT_X86_KERNELS
    case Isa::kAvx2: {
      const CpuFeatures& cpu = cpu_features();
      return cpu.avx2 && cpu.fma3 ? &avx2_kernels() : nullptr;
    }
    case Isa::kAvx512: {
      const CpuFeatures& cpu = cpu_features();
      return cpu.avx512f && cpu.avx512bw && cpu.avx512vl ? &avx512_kernels() : nullptr;
    }
#endif
#if NIBBLE_QUANT_NEON_KERNELS
    case Isa::kNeon: return &neon_kernels();  // baseline on aarch64
#endif
    default: return nullptr;
  }
}

const SimdKernels& default_kernels() {
#if NIBBLE_FREESTANDING
  // No environment and no guard variables on bare metal.
  return scalar_kernels();
#else
  // Chosen once (thread-safe static initialisation), read-only afterwards.
  static const SimdKernels* const selected = select_kernels();
  return *selected;
#endif
}

bool parse_isa(const char* name, Isa* isa) {
  static constexpr struct {
    const char* name;
    Isa isa;
  } kNames[] = {{"scalar", Isa::kScalar}, {"avx2", Isa::kAvx2}, {"avx512", Isa::kAvx512}, {"neon", Isa::kNeon}};
  for (const auto& entry : kNames) {
    if (std::strcmp(name, entry.name) == 0) {
      *isa = entry.isa;
      return true;
    }
  }
  return false;
}

}  // namespace nibble::quant
