// Level availability from cpu_features(), and the process default.
#include "cpu/isa.h"

#include <cstdlib>
#include <cstring>

#include "cpu/cpu_features.h"

namespace nibble {
namespace {

bool is_x86(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kAvx512 || isa == Isa::kAvx512Vnni; }
bool is_arm(Isa isa) { return isa == Isa::kNeon || isa == Isa::kNeonDot; }

constexpr Isa kAll[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot};
// Best first, per architecture.
#if defined(__x86_64__) || defined(_M_X64)
constexpr Isa kPreference[] = {Isa::kAvx512Vnni, Isa::kAvx512, Isa::kAvx2, Isa::kScalar};
#elif defined(__aarch64__)
constexpr Isa kPreference[] = {Isa::kNeonDot, Isa::kNeon, Isa::kScalar};
#else
constexpr Isa kPreference[] = {Isa::kScalar};
#endif

#if !NIBBLE_FREESTANDING
Isa select_default() {
  Isa ceiling = kPreference[0];
  const char* forced = std::getenv("NIBBLE_ISA");
  if (forced != nullptr && !parse_isa(forced, &ceiling)) ceiling = kPreference[0];
  return isa_at_most(ceiling);
}
#endif

}  // namespace

bool isa_available(Isa isa) {
#if NIBBLE_FREESTANDING
  return isa == Isa::kScalar;
#else
  const CpuFeatures& cpu = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::kAvx2: return cpu.avx2 && cpu.fma3 && cpu.f16c;
    case Isa::kAvx512: return isa_available(Isa::kAvx2) && cpu.avx512f && cpu.avx512bw && cpu.avx512vl;
    case Isa::kAvx512Vnni: return isa_available(Isa::kAvx512) && cpu.avx512vnni;
#elif defined(__aarch64__)
    case Isa::kNeon: return true;  // baseline on AArch64
    case Isa::kNeonDot: return cpu.neon_dotprod;
#endif
    default: return false;
  }
#endif
}

bool isa_le(Isa level, Isa ceiling) {
  if (level == Isa::kScalar) return true;
  if (is_x86(level) != is_x86(ceiling) || is_arm(level) != is_arm(ceiling)) return false;
  return static_cast<int>(level) <= static_cast<int>(ceiling);
}

Isa isa_at_most(Isa ceiling) {
  for (Isa isa : kPreference) {
    if (isa_le(isa, ceiling) && isa_available(isa)) return isa;
  }
  return Isa::kScalar;
}

Isa default_isa() {
#if NIBBLE_FREESTANDING
  return Isa::kScalar;  // no environment and no guard variables on bare metal
#else
  // Thread-safe static initialisation: chosen once, read-only afterwards
  // (tests/install/check_writable_globals.sh lists it).
  static const Isa selected = select_default();
  return selected;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeon: return "neon";
    case Isa::kNeonDot: return "neondot";
  }
  return "?";
}

bool parse_isa(const char* name, Isa* isa) {
  for (Isa candidate : kAll) {
    if (std::strcmp(name, isa_name(candidate)) == 0) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

}  // namespace nibble
