#include "converter/quant/weight_quantizer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "codec/code_tables.h"
#include "codec/decode_range.h"
#include "codec/encode.h"
#include "converter/convert.h"
#include "converter/quant/calibration.h"
#include "converter/quant/codebook.h"
#include "converter/quant/gptq.h"

namespace nibble::convert::quant {

namespace {

// The r values losiquant's README suggests and the reference figures
// searched (steps per octave of the log2 code).
constexpr float kLog2Steps[] = {0.5f, 1, 1.5f, 2, 3, 4, 6, 8, 12, 16};

codec::WeightLayout layout_for(const WeightMatrix& w, const CodecSpec& s) {
  codec::WeightLayout l;
  l.rows = w.rows;
  l.cols = w.cols;
  l.bits = s.bits;
  l.granularity = s.granularity;
  l.group_size = s.group_size;
  l.scale_type = s.scale_type;
  switch (s.kind) {
    case CodecKind::kF32: l.format = codec::Format::kF32; break;
    case CodecKind::kF16: l.format = codec::Format::kF16; break;
    case CodecKind::kBF16: l.format = codec::Format::kBF16; break;
    case CodecKind::kQ8_0: l.format = codec::Format::kQ8_0; break;
    case CodecKind::kQ4_0: l.format = codec::Format::kQ4_0; break;
    case CodecKind::kQ4_1: l.format = codec::Format::kQ4_1; break;
    case CodecKind::kQ5_0: l.format = codec::Format::kQ5_0; break;
    case CodecKind::kQ5_1: l.format = codec::Format::kQ5_1; break;
    case CodecKind::kInt: l.format = codec::Format::kInt; break;
    case CodecKind::kAffine:
      l.format = codec::Format::kInt;
      l.symmetric = false;
      break;
    case CodecKind::kPqnt:
    case CodecKind::kLsq:
    case CodecKind::kLog2:
    case CodecKind::kLut: l.format = codec::Format::kTable; break;
  }
  if (s.kind == CodecKind::kLsq) l.granularity = codec::Granularity::kChannel;  // the seed's per-channel absmax
  return l;
}

// Calls fn(scale_index, first, count) for each run of weights sharing a
// scale, in scale order (rows are contiguous, so each run is too).
template <typename Fn>
void for_each_group(const codec::WeightLayout& l, const codec::SegmentLayout& seg, Fn fn) {
  if (l.granularity == codec::Granularity::kTensor) {
    fn(uint64_t{0}, int64_t{0}, l.rows * l.cols);
    return;
  }
  const int64_t group = l.granularity == codec::Granularity::kGroup ? l.group_size : l.cols;
  uint64_t index = 0;
  for (int64_t r = 0; r < l.rows; ++r) {
    for (int64_t c = 0; c < l.cols; c += group) {
      fn(index++, r * l.cols + c, std::min(group, l.cols - c));
    }
  }
  (void)seg;
}

float absmax_of(const float* x, int64_t n) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}

// A scale that can be stored: positive and finite (an all-zero group gets
// 1, which decodes it exactly). f16 scales stay above 2^-24, the smallest
// f16 (below it the scale would round to 0); f32 scales are kept as they
// are (a floor there would distort small tensors' scales).
float usable_scale(float s, codec::ScaleType type) {
  if (!(s > 0) || !std::isfinite(s)) return 1.0f;
  if (type == codec::ScaleType::kF16) return std::min(std::max(s, 5.9604645e-8f), 65504.0f);
  return s;  // f32 as is; e8 saturates at its ends when stored
}

double squared_error(const WeightMatrix& w, const EncodedWeights& e) {
  const codec::PackedWeights view = e.view();
  std::vector<float> row(static_cast<size_t>(w.cols));
  double sum = 0;
  for (int64_t r = 0; r < w.rows; ++r) {
    codec::decode_row(view, r, row.data());
    const float* x = w.data + r * w.cols;
    for (int64_t c = 0; c < w.cols; ++c) {
      const double d = static_cast<double>(row[c]) - x[c];
      sum += d * d;
    }
  }
  return sum;
}

void encode(const WeightMatrix& w, const codec::EncodeParams& params, EncodedWeights* e) {
  e->bytes.assign(e->segment.total_bytes, 0);
  if (!codec::encode_weights(e->layout, e->segment, w.data, params, e->bytes.data())) {
    throw Error("internal error: encoding with codec '" + e->spec + "' failed");
  }
}

void encode_table(const WeightMatrix& w, const CodecSpec& s, const std::vector<float>& scales, codec::Rounder* rounder,
                  EncodedWeights* e) {
  codec::EncodeParams params;
  params.scales = scales.data();
  params.table_kind = e->table_kind;
  params.parameter = e->parameter;
  params.table = e->table.data();
  params.rounder = rounder;
  (void)s;
  encode(w, params, e);
}

void quantize_int(const WeightMatrix& w, const CodecSpec& s, codec::Rounder* rounder, EncodedWeights* e) {
  const bool symmetric = e->layout.symmetric;
  const int bits = e->layout.bits;
  const float qmax = symmetric ? static_cast<float>((1 << (bits - 1)) - 1) : static_cast<float>((1 << bits) - 1);
  std::vector<float> scales(e->segment.num_scales);
  std::vector<uint8_t> zero_points(symmetric ? 0 : e->segment.num_scales);
  for_each_group(e->layout, e->segment, [&](uint64_t index, int64_t first, int64_t count) {
    const Range range = calibrate(w.data + first, static_cast<size_t>(count), s.calib, bits, symmetric);
    if (symmetric) {
      scales[index] = usable_scale(std::max(std::fabs(range.lo), std::fabs(range.hi)) / qmax, e->layout.scale_type);
    } else {
      // pi-quant's affine map: the range [lo, hi] (widened to hold 0, so
      // zero is exact) onto codes 0 .. 2^bits - 1.
      const float lo = std::min(range.lo, 0.0f);
      const float hi = std::max(range.hi, 0.0f);
      scales[index] = usable_scale((hi - lo) / qmax, e->layout.scale_type);
      zero_points[index] = static_cast<uint8_t>(std::clamp(std::nearbyint(-lo / scales[index]), 0.0f, qmax));
    }
  });
  codec::EncodeParams params;
  params.scales = scales.data();
  params.zero_points = zero_points.empty() ? nullptr : zero_points.data();
  params.rounder = rounder;
  encode(w, params, e);
}

std::vector<float> absmax_scales(const WeightMatrix& w, const EncodedWeights& e, float divisor) {
  std::vector<float> scales(e.segment.num_scales);
  for_each_group(e.layout, e.segment, [&](uint64_t index, int64_t first, int64_t count) {
    scales[index] = usable_scale(absmax_of(w.data + first, count) / divisor, e.layout.scale_type);
  });
  return scales;
}

// Encodes e once per candidate parameter (pqnt's p, log2's r) and keeps
// the encoding with the lowest weight MSE. Each trial restarts the
// stochastic rounder from the same state, so the choice does not depend on
// the order of the candidates.
void encode_best_table(const WeightMatrix& w, const CodecSpec& s, codec::Rounder* rounder,
                       const std::vector<float>& candidates, codec::TableKind kind,
                       const std::function<std::vector<float>(EncodedWeights&)>& build_table_and_scales,
                       EncodedWeights* e) {
  double best_error = std::numeric_limits<double>::infinity();
  EncodedWeights best;
  for (float parameter : candidates) {
    EncodedWeights trial = *e;
    trial.table_kind = kind;
    trial.parameter = parameter;
    trial.table.resize(size_t{1} << trial.layout.bits);
    const std::vector<float> scales = build_table_and_scales(trial);
    codec::Rounder trial_rounder = rounder != nullptr ? *rounder : codec::Rounder();
    encode_table(w, s, scales, rounder != nullptr ? &trial_rounder : nullptr, &trial);
    const double error = candidates.size() > 1 ? squared_error(w, trial) : 0.0;
    if (error < best_error) {
      best_error = error;
      best = std::move(trial);
    }
  }
  *e = std::move(best);
}

void quantize_pqnt(const WeightMatrix& w, const CodecSpec& s, codec::Rounder* rounder, EncodedWeights* e) {
  std::vector<float> candidates;
  if (s.power_auto) {
    for (int k = 0; k <= 35; ++k) candidates.push_back(0.30f + 0.02f * static_cast<float>(k));
  } else {
    candidates.push_back(s.power);
  }
  encode_best_table(w, s, rounder, candidates, codec::TableKind::kPqnt, [&](EncodedWeights& trial) {
    codec::build_pqnt_table(trial.layout.bits, trial.parameter, trial.table.data());
    // S = absmax / Q^(1/p): the seed's s = max|t| / Q, mapped to x's domain.
    return absmax_scales(w, trial, codec::pqnt_max_level(trial.layout.bits, trial.parameter));
  }, e);
}

void quantize_lsq(const WeightMatrix& w, const CodecSpec& s, codec::Rounder* rounder, EncodedWeights* e) {
  e->table_kind = codec::TableKind::kLsq;
  e->parameter = static_cast<float>(e->layout.bits - 1);
  e->table.resize(size_t{1} << e->layout.bits);
  codec::build_lsq_table(e->layout.bits, e->table.data());
  // The seed's M = w / absmax(channel), clipped to [-1, 1].
  encode_table(w, s, absmax_scales(w, *e, 1.0f), rounder, e);
}

void quantize_log2(const WeightMatrix& w, const CodecSpec& s, codec::Rounder* rounder, EncodedWeights* e) {
  std::vector<float> candidates;
  if (s.steps > 0) {
    candidates.push_back(s.steps);
  } else {
    candidates.assign(std::begin(kLog2Steps), std::end(kLog2Steps));
  }
  const std::vector<float> scales = absmax_scales(w, *e, 1.0f);  // the same for every r
  encode_best_table(w, s, rounder, candidates, codec::TableKind::kLog2, [&](EncodedWeights& trial) {
    codec::build_log2_table(trial.layout.bits, trial.parameter, trial.table.data());
    return scales;
  }, e);
}

void quantize_lut(const WeightMatrix& w, const CodecSpec& s, EncodedWeights* e) {
  CodebookOptions options;
  options.bits = e->layout.bits;
  options.group_size = e->layout.granularity == codec::Granularity::kGroup ? e->layout.group_size : 0;
  if (e->layout.granularity == codec::Granularity::kTensor) {
    throw Error("codec '" + e->spec + "': lut takes per-channel or per-group scales, not one per tensor");
  }
  options.scale_type = e->layout.scale_type;
  options.iterations = s.iterations;
  options.column_importance = s.weighted ? w.column_importance : nullptr;
  options.seed = s.seed + 1;
  const Codebook book = learn_codebook(w.data, w.rows, w.cols, options);
  e->table_kind = codec::TableKind::kLut;
  e->parameter = 0;
  e->table = book.table;
  encode_table(w, s, book.scales, nullptr, e);
}

// The codec's value for x at (row, col), with e's scales: what encoding
// x there and decoding gives.
float quantize_element(const EncodedWeights& e, const codec::PackedWeights& view, int64_t row, int64_t col, float x) {
  const codec::WeightLayout& l = e.layout;
  const float scale = codec::scale_at(view, row, col);
  const float v = x / scale;
  if (l.format == codec::Format::kInt) {
    int zero = 1 << (l.bits - 1);
    if (!l.symmetric) zero = view.data[e.segment.zero_points_offset + codec::scale_index(l, e.segment, row, col)];
    const float lo = l.symmetric ? 1.0f : 0.0f;
    const float hi = static_cast<float>((1 << l.bits) - 1);
    const float code = std::clamp(std::nearbyint(v) + static_cast<float>(zero), lo, hi);
    return scale * (code - static_cast<float>(zero));
  }
  uint16_t code = 0;
  switch (e.table_kind) {
    case codec::TableKind::kPqnt: code = codec::encode_pqnt(v, l.bits, e.parameter, nullptr); break;
    case codec::TableKind::kLsq: code = codec::encode_lsq(v, l.bits, nullptr); break;
    case codec::TableKind::kLog2: code = codec::encode_log2(v, l.bits, e.parameter, nullptr); break;
    case codec::TableKind::kLut: code = codec::encode_nearest(v, e.table.data(), l.bits); break;
  }
  return scale * e.table[code];
}

// GPTQ over the codes e already has: same scales, zero points and table;
// each column's rounding error pushed onto the later columns; then the
// compensated values encoded (each is a code's exact value, so encoding
// them picks those codes).
void apply_gptq(const WeightMatrix& w, EncodedWeights* e) {
  if (w.input_moment == nullptr) {
    throw Error("codec '" + e->spec + "': gptq needs calibration data (--calib) for this layer");
  }
  const codec::PackedWeights view = e->view();
  const std::vector<float> compensated =
      gptq_quantize(w.data, w.rows, w.cols, *w.input_moment, 0.01,
                    [&](int64_t r, int64_t c, float x) { return quantize_element(*e, view, r, c, x); });
  std::vector<float> scales(e->segment.num_scales);
  std::vector<uint8_t> zero_points;
  for_each_group(e->layout, e->segment, [&](uint64_t index, int64_t first, int64_t) {
    scales[index] = codec::scale_at(view, first / w.cols, first % w.cols);
  });
  if (e->segment.zero_points_bytes > 0) {
    zero_points.assign(view.data + e->segment.zero_points_offset,
                       view.data + e->segment.zero_points_offset + e->segment.zero_points_bytes);
  }
  codec::EncodeParams params;
  params.scales = scales.data();
  params.zero_points = zero_points.empty() ? nullptr : zero_points.data();
  params.table_kind = e->table_kind;
  params.parameter = e->parameter;
  params.table = e->table.empty() ? nullptr : e->table.data();
  WeightMatrix q = w;
  q.data = compensated.data();
  encode(q, params, e);
}

}  // namespace

EncodedWeights quantize_weights(const WeightMatrix& w, const CodecSpec& s) {
  EncodedWeights e;
  e.spec = codec_spec_string(s);
  e.layout = layout_for(w, s);
  const char* why = "";
  if (!codec::compute_segment_layout(e.layout, &e.segment, &why)) {
    throw Error("codec '" + e.spec + "' cannot encode a [" + std::to_string(w.rows) + ", " + std::to_string(w.cols) +
                "] weight: " + why);
  }
  codec::Rounder stochastic(codec::RoundingMode::kStochastic, s.seed);
  codec::Rounder* rounder = s.rounding == codec::RoundingMode::kStochastic ? &stochastic : nullptr;
  switch (s.kind) {
    case CodecKind::kInt:
    case CodecKind::kAffine: quantize_int(w, s, rounder, &e); break;
    case CodecKind::kPqnt: quantize_pqnt(w, s, rounder, &e); break;
    case CodecKind::kLsq: quantize_lsq(w, s, rounder, &e); break;
    case CodecKind::kLog2: quantize_log2(w, s, rounder, &e); break;
    case CodecKind::kLut: quantize_lut(w, s, &e); break;
    default: encode(w, codec::EncodeParams(), &e); break;
  }
  if (s.gptq) apply_gptq(w, &e);
  return e;
}

ErrorStats measure_encoding_error(const WeightMatrix& w, const EncodedWeights& e) {
  const codec::PackedWeights view = e.view();
  std::vector<float> row(static_cast<size_t>(w.cols));
  ErrorStats total{};
  for (int64_t r = 0; r < w.rows; ++r) {
    codec::decode_row(view, r, row.data());
    total.merge(measure_error(w.data + r * w.cols, row.data(), static_cast<size_t>(w.cols)));
  }
  return total;
}

}  // namespace nibble::convert::quant
