// Which kernel table gemv() runs: the one of nibble::default_isa() (the
// best level, lowered by NIBBLE_ISA; cpu/isa.cc), or for gemv_on() the
// highest level <= the one asked for that has GEMV kernels (AVX-512 VNNI
// runs the AVX-512 table: f32 activations do not use integer dot products;
// likewise Neon dot product runs the Neon table).
#include "cpu/isa.h"
#include "gemv/gemv.h"
#include "gemv/gemv_kernels.h"

namespace nibble::gemv {
namespace {

// The SIMD table for a level (available on this CPU), or null (scalar).
const SimdGemv* simd_table(Isa isa) {
#if NIBBLE_GEMV_X86_KERNELS
  switch (isa) {
    case Isa::kAvx2: return &avx2_gemv();
    case Isa::kAvx512:
    case Isa::kAvx512Vnni: return &avx512_gemv();
    default: return nullptr;
  }
#elif NIBBLE_GEMV_NEON_KERNELS
  switch (isa) {
    case Isa::kNeon:
    case Isa::kNeonDot: return &neon_gemv();
    default: return nullptr;
  }
#else
  (void)isa;
  return nullptr;
#endif
}
ShapeKernel kernel_for(const SimdGemv& table, Shape shape) {
  switch (shape) {
    case Shape::kCode4: return table.code4;
    case Shape::kInt8: return table.int8;
    case Shape::kQ4_0: return table.q4_0;
    case Shape::kQ8_0: return table.q8_0;
    case Shape::kCodes: return table.codes;
    case Shape::kQ4_1: return table.q4_1;
    case Shape::kQ5_0: return table.q5_0;
    case Shape::kQ5_1: return table.q5_1;
    case Shape::kHalf: return table.half;
    case Shape::kWide: return table.wide;
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

bool has_simd_kernel(const codec::PackedWeights& w) { return make_plan(w).shape != Shape::kUnsupported; }

const char* kernel_name_on(Isa isa, const codec::PackedWeights& w) {
  if (!isa_available(isa)) return nullptr;
  const SimdGemv* table = simd_table(isa);
  if (table == nullptr || kernel_for(*table, make_plan(w).shape) == nullptr) return "reference";
  return table->name;
}

void gemv(const codec::PackedWeights& w, const float* x, const float* bias, float* y, int64_t row_begin,
          int64_t row_end) {
#if NIBBLE_FREESTANDING
  run(nullptr, w, x, bias, y, row_begin, row_end);
#else
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
