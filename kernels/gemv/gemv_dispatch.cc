// Which level gemv() runs: the best this build and CPU have, chosen once
// per process, lowered by NIBBLE_GEMV_ISA=scalar|avx2|avx512 (for tests,
// benchmarks and bug reports; an unknown value, or a level above what the
// CPU has, is ignored). Same rules as kernels/quant/kernel_dispatch.cc.
#include <cstdlib>
#include <cstring>

#include "cpu/cpu_features.h"
#include "gemv/gemv.h"
#include "gemv/gemv_kernels.h"

namespace nibble::gemv {
namespace {

// The SIMD table of a level, or null (scalar, or not in this build/CPU).
const SimdGemv* simd_table(Isa isa) {
#if NIBBLE_GEMV_X86_KERNELS
  const CpuFeatures& cpu = cpu_features();
  switch (isa) {
    case Isa::kAvx2: return cpu.avx2 && cpu.fma3 && cpu.f16c ? &avx2_gemv() : nullptr;
    case Isa::kAvx512: return cpu.avx512f && cpu.avx512bw && cpu.avx512vl ? &avx512_gemv() : nullptr;
    default: return nullptr;
  }
#else
  (void)isa;
  return nullptr;
#endif
}

#if !NIBBLE_FREESTANDING
Isa select_isa() {
  constexpr Isa kPreference[] = {Isa::kAvx512, Isa::kAvx2, Isa::kScalar};
  Isa ceiling = Isa::kAvx512;
  const char* forced = std::getenv("NIBBLE_GEMV_ISA");
  if (forced != nullptr && !parse_isa(forced, &ceiling)) ceiling = Isa::kAvx512;
  for (Isa isa : kPreference) {
    if (static_cast<int>(isa) <= static_cast<int>(ceiling) && isa_available(isa)) return isa;
  }
  return Isa::kScalar;
}
#endif

ShapeKernel kernel_for(const SimdGemv& table, Shape shape) {
  switch (shape) {
    case Shape::kCode4: return table.code4;
    case Shape::kInt8: return table.int8;
    case Shape::kQ4_0: return table.q4_0;
    case Shape::kQ8_0: return table.q8_0;
    case Shape::kUnsupported: return nullptr;
  }
  return nullptr;
}

void run(const SimdGemv* table, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
         int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  if (table != nullptr) {
    const Plan plan = make_plan(w);
    const ShapeKernel kernel = kernel_for(*table, plan.shape);
    if (kernel != nullptr) {
      kernel(plan, w, x, bias, y, row_begin, row_end);
      return;
    }
  }
  gemv_reference(w, x, bias, y, row_begin, row_end);
}

}  // namespace

bool isa_available(Isa isa) { return isa == Isa::kScalar || simd_table(isa) != nullptr; }

Isa default_isa() {
#if NIBBLE_FREESTANDING
  return Isa::kScalar;  // no environment and no guard variables on bare metal
#else
  // Thread-safe static initialisation: chosen once, read-only afterwards.
  static const Isa selected = select_isa();
  return selected;
#endif
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

bool parse_isa(const char* name, Isa* isa) {
  constexpr Isa kAll[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512};
  for (Isa candidate : kAll) {
    if (std::strcmp(name, isa_name(candidate)) == 0) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

bool has_simd_kernel(const codec::PackedWeights& w) { return make_plan(w).shape != Shape::kUnsupported; }

void gemv(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
          int64_t row_end) {
#if NIBBLE_FREESTANDING
  run(nullptr, w, x, bias, y, row_begin, row_end);
#else
  // A few branches per call, and no second static (the level is the one
  // write-once global, tests/install/check_writable_globals.sh).
  run(simd_table(default_isa()), w, x, bias, y, row_begin, row_end);
#endif
}

bool gemv_on(Isa isa, const codec::PackedWeights& w, const float* x, const float* bias, float* y,
             int64_t row_begin, int64_t row_end) {
  if (!isa_available(isa)) return false;
  run(simd_table(isa), w, x, bias, y, row_begin, row_end);
  return true;
}

}  // namespace nibble::gemv
