// What the Neon int8-activation kernels need to know about a weight
// (gemv_q8_neon.h), worked out once per call. Kept apart from gemv_plan.h,
// which describes the f32-activation kernels' shapes.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "gemv/gemv_q8.h"

namespace nibble::gemv {

enum class Q8NeonShape : uint8_t { kUnsupported = 0, kQ4_0, kQ8_0, kInt4, kInt8 };

struct Q8NeonPlan {
  Q8NeonShape shape = Q8NeonShape::kUnsupported;
  // kInt4, kInt8: a scale per group (a multiple of kQ8Block weights, so one
  // per activation block) rather than one per row (channel or tensor).
  bool group_scales = false;
  int64_t group_size = 0;
};

inline Q8NeonPlan make_q8_neon_plan(const codec::PackedWeights& w) {
  const codec::WeightLayout& l = w.layout;
  Q8NeonPlan plan;
  if (l.format == codec::Format::kQ4_0) plan.shape = Q8NeonShape::kQ4_0;
  if (l.format == codec::Format::kQ8_0) plan.shape = Q8NeonShape::kQ8_0;
  if (l.format != codec::Format::kInt) return plan;
  if (!l.symmetric || (l.bits != 4 && l.bits != 8)) return plan;  // zero points, other widths: reference
  plan.group_scales = l.granularity == codec::Granularity::kGroup;
  if (plan.group_scales && l.group_size % kQ8Block != 0) return plan;
  plan.group_size = plan.group_scales ? l.group_size : 0;
  plan.shape = l.bits == 4 ? Q8NeonShape::kInt4 : Q8NeonShape::kInt8;
  return plan;
}

// The kernels of the two levels (gemv_q8_neon.cc, gemv_q8_neondot.cc):
// y[r] for r in [row_begin, row_end), bias included; plan.shape is not
// kUnsupported and the range is not empty.
void gemv_q8_neon_kernel(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                         const float* bias, float* y, int64_t row_begin, int64_t row_end);
void gemv_q8_neondot_kernel(const Q8NeonPlan& plan, const codec::PackedWeights& w, const Q8Activations& x,
                            const float* bias, float* y, int64_t row_begin, int64_t row_end);

}  // namespace nibble::gemv
