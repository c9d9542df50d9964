#include "gemv/gemv_q8_plan.h"

#include "gemv/gemv_q8_table.h"

namespace nibble::gemv {

Q8Plan make_q8_plan(const codec::PackedWeights& w) {
  using codec::Format;
  const codec::WeightLayout& l = w.layout;
  Q8Plan p;
  switch (l.format) {
    case Format::kQ4_0: p.shape = Q8Shape::kQ4_0; return p;
    case Format::kQ4_1: p.shape = Q8Shape::kQ4_1; return p;
    case Format::kQ5_0: p.shape = Q8Shape::kQ5_0; return p;
    case Format::kQ5_1: p.shape = Q8Shape::kQ5_1; return p;
    case Format::kQ8_0: p.shape = Q8Shape::kQ8_0; return p;
    case Format::kInt:
    case Format::kTable: break;
    default: return p;  // f32/f16/bf16: the reference
  }
  const bool table = l.format == Format::kTable;
  if (l.bits != 2 && l.bits != 3 && l.bits != 4 && !(l.bits == 8 && !table)) return p;
  if (table && !q8_rounds_table(w)) return p;
  p.group = l.granularity == codec::Granularity::kGroup;
  // One scale per activation block: groups of a multiple of 32.
  if (p.group && l.group_size % 32 != 0) return p;
  p.shape = Q8Shape::kPacked;
  p.bits = l.bits;
  p.table = table;
  p.group_size = p.group ? l.group_size : 0;
  p.scale_type = l.scale_type;
  if (table) {
    q8_table(w, p.table_q, &p.table_factor);
    p.is_signed = true;
  } else if (!l.symmetric) {
    p.affine = true;
  } else if (l.bits == 8) {
    p.is_signed = true;  // code - 128 = code ^ 0x80 (see gemv_q8_plan.h)
    p.offset = 128;
  } else {
    p.offset = 1 << (l.bits - 1);
  }
  return p;
}

}  // namespace nibble::gemv
