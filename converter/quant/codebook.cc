#include "converter/quant/codebook.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "codec/half.h"
#include "codec/scale_storage.h"
#include "codec/weight_layout.h"
#include "converter/convert.h"

namespace nibble::convert::quant {

namespace {

// The scale grid of step (c): kGridLow .. kGridHigh x the absmax scale,
// 0.02 apart. (0.01 apart measured no better and costs more.)
constexpr int kGridPoints = 21;
constexpr float kGridLow = 0.7f, kGridHigh = 1.1f;
constexpr size_t kInitSampleSize = size_t{1} << 16;  // weights whose quantiles start the table
constexpr float kMinF16Scale = 0x1p-24f;             // smallest positive fp16 (subnormal)

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// How a scale is stored: rounding to the stored type, so the learner
// always works with the value the decoder will read.
struct ScaleStorage {
  codec::ScaleType type;
  float min_scale() const {
    switch (type) {
      case codec::ScaleType::kF16: return kMinF16Scale;
      case codec::ScaleType::kE8: return codec::e8_value(0);
      case codec::ScaleType::kF32: break;
    }
    return std::numeric_limits<float>::min();
  }
  // The stored value nearest to s, or 0 if s cannot be stored (not
  // positive, or beyond the type's range). Tiny scales round up to the
  // smallest positive value rather than to zero.
  float round(float s) const {
    if (!(s > 0) || !std::isfinite(s)) return 0;
    s = codec::stored_scale_value(s, type);  // f16 rounding, or the nearest e8 step
    if (!std::isfinite(s)) return 0;
    return std::max(s, min_scale());
  }
};

// The matrix, its grouping and the per-column weights of the error.
struct Problem {
  const float* w;
  int64_t rows, cols, group, groups_per_row;
  std::vector<float> omega;  // cols entries
  int64_t group_begin(int64_t g) const { return g * group; }
  int64_t group_end(int64_t g) const { return std::min(cols, (g + 1) * group); }
};

// The table and the midpoints between its neighbours: the nearest level
// to v is the number of midpoints below v (ties go to the lower level).
template <int kBits>
struct Levels {
  static constexpr int kLevels = 1 << kBits;
  float t[kLevels];
  float mid[kLevels];      // kLevels - 1 used
  float inv_mid[kLevels];  // 1 / mid (0 for a zero midpoint)

  void set(const std::vector<float>& table) {
    for (int i = 0; i < kLevels; ++i) t[i] = table[i];
    for (int i = 0; i + 1 < kLevels; ++i) {
      mid[i] = 0.5f * (t[i] + t[i + 1]);
      inv_mid[i] = mid[i] != 0 ? 1 / mid[i] : 0;
    }
    mid[kLevels - 1] = std::numeric_limits<float>::infinity();
    inv_mid[kLevels - 1] = 0;
  }

  // Branchless binary search over the sorted midpoints: kBits steps,
  // unrolled at compile time.
  int nearest(float v) const { return descend<kLevels / 2>(v, 0); }

 private:
  template <int kStep>
  int descend(float v, int index) const {
    if constexpr (kStep == 0) {
      return index;
    } else {
      return descend<kStep / 2>(v, index + (v > mid[index + kStep - 1] ? kStep : 0));
    }
  }
};

// One group's weighted error and the sums of the closed-form scale
// sum(omega w t) / sum(omega t^2), with codes nearest at scale s.
struct GroupFit {
  double err = 0, wt = 0, tt = 0;
};

// Four partial sums per quantity: independent chains the CPU overlaps.
template <int kBits>
GroupFit fit_group(const float* w, const float* omega, int64_t n, float s, const Levels<kBits>& levels) {
  constexpr int kLanes = 4;
  const float inv = 1.0f / s;
  float err[kLanes] = {}, wt[kLanes] = {}, tt[kLanes] = {};
  const auto add = [&](int lane, int64_t i) {
    const float t = levels.t[levels.nearest(w[i] * inv)];
    const float ot = omega[i] * t;
    const float d = w[i] - s * t;
    wt[lane] += ot * w[i];
    tt[lane] += ot * t;
    err[lane] += omega[i] * d * d;
  };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) add(lane, i + lane);
  }
  for (int lane = 0; i < n; ++i, ++lane) add(lane, i);
  GroupFit f;
  for (int lane = 0; lane < kLanes; ++lane) f.err += err[lane], f.wt += wt[lane], f.tt += tt[lane];
  return f;
}

// The grid of step (c): for every scale anchor * f on the grid, the codes
// nearest at that scale, scored by the error their closed-form scale
// reaches, sum(omega w^2) - wt^2 / tt (so: maximise wt^2 / tt). Returns
// the best point's closed-form scale wt / tt, or 0 if none is positive.
//
// Instead of assigning every weight at every grid point, one pass sweeps
// f upwards: |v| = |w| / (anchor f) shrinks, so each weight's code steps
// towards zero, crossing midpoint m at f = |w| / (anchor |m|). Each
// crossing adds its change of wt and tt at the first grid point past it;
// prefix sums then give every point's sums. Negative weights use the
// mirrored table (levels -t reversed), so both signs step downwards.
template <int kBits>
double grid_closed_form_scale(const float* w, const float* omega, int64_t n, float anchor,
                              const Levels<kBits>& levels, const Levels<kBits>& mirrored) {
  constexpr float kStep = (kGridHigh - kGridLow) / (kGridPoints - 1);
  double d_wt[kGridPoints] = {}, d_tt[kGridPoints] = {};
  double wt0 = 0, tt0 = 0;  // at the first grid point
  const float inv_low = 1.0f / (anchor * kGridLow), inv_high = 1.0f / (anchor * kGridHigh);
  const float inv_anchor_step = 1.0f / (anchor * kStep), low_points = kGridLow / kStep;
  for (int64_t i = 0; i < n; ++i) {
    const Levels<kBits>& side = w[i] < 0 ? mirrored : levels;
    const float magnitude = std::fabs(w[i]);
    const float om = omega[i], omw = om * magnitude;
    int c = side.nearest(magnitude * inv_low);
    const int c_end = side.nearest(magnitude * inv_high);
    float t = side.t[c];
    wt0 += omw * t;
    tt0 += om * t * t;
    for (; c > c_end; --c) {
      // From code c to c - 1 at f = |w| / (anchor mid[c-1]): counted at
      // grid point ceil((f - low) / step), at least 1. (Clamped before the
      // conversion: a rounding-level crossing may land just off the grid.)
      float x = magnitude * side.inv_mid[c - 1] * inv_anchor_step - low_points;
      x = x < kGridPoints - 1 ? x : kGridPoints - 1;
      x = x > 0 ? x : 0;
      const int g = std::min(static_cast<int>(x) + 1, kGridPoints - 1);
      const float t_next = side.t[c - 1];
      d_wt[g] += omw * (t_next - t);
      d_tt[g] += om * (t_next * t_next - t * t);
      t = t_next;
    }
  }
  double wt = wt0, tt = tt0, best_wt = 0, best_tt = 1;
  for (int g = 0; g < kGridPoints; ++g) {
    wt += d_wt[g];
    tt += d_tt[g];
    // wt^2 / tt > best_wt^2 / best_tt, without dividing.
    if (wt > 0 && tt > 0 && wt * wt * best_tt > best_wt * best_wt * tt) best_wt = wt, best_tt = tt;
  }
  return best_wt / best_tt;
}

// Step (c) for one group: the best stored scale among the current one,
// the closed form for its codes, and the best grid point's closed form,
// each evaluated with its codes re-assigned. (A further closed-form round
// after re-assigning changed the error by < 0.001 dB in measurements.)
template <int kBits>
float search_group_scale(const float* w, const float* omega, int64_t n, float scale, float extreme,
                         const Levels<kBits>& levels, const Levels<kBits>& mirrored, const ScaleStorage& storage) {
  constexpr int kLevels = Levels<kBits>::kLevels;
  GroupFit best = fit_group(w, omega, n, scale, levels);
  float best_scale = scale;
  const auto try_scale = [&](double candidate) {
    const float s = storage.round(static_cast<float>(candidate));
    if (s == 0 || s == best_scale) return;
    const GroupFit f = fit_group(w, omega, n, s, levels);
    if (f.err < best.err) best = f, best_scale = s;
  };
  const GroupFit current = best;
  if (current.tt > 0) try_scale(current.wt / current.tt);

  // The grid's anchor: the scale mapping the largest |w| onto the
  // outermost level of its sign (or of either sign if that one is absent).
  const float outer = extreme > 0 ? levels.t[kLevels - 1] : levels.t[0];
  const float anchor = outer * extreme > 0
                           ? extreme / outer
                           : std::fabs(extreme) / std::max(std::fabs(levels.t[0]), std::fabs(levels.t[kLevels - 1]));
  if (anchor > 0 && std::isfinite(anchor)) try_scale(grid_closed_form_scale(w, omega, n, anchor, levels, mirrored));
  return best_scale;
}

// The initial table: 2^bits quantiles of the weights normalised by their
// group's absmax, from a seeded sample, made strictly increasing so that
// no level starts out unreachable.
std::vector<float> initial_table(const Problem& p, const std::vector<float>& absmax, int bits, uint64_t seed) {
  const size_t levels = size_t{1} << bits;
  const uint64_t total = static_cast<uint64_t>(p.rows) * static_cast<uint64_t>(p.cols);
  const auto normalised = [&](uint64_t index) {
    const int64_t r = static_cast<int64_t>(index / static_cast<uint64_t>(p.cols));
    const int64_t k = static_cast<int64_t>(index % static_cast<uint64_t>(p.cols));
    const float m = absmax[static_cast<size_t>(r * p.groups_per_row + k / p.group)];
    return m > 0 ? p.w[index] / m : std::numeric_limits<float>::quiet_NaN();  // NaN: an all-zero group
  };
  std::vector<float> sample;
  if (total <= kInitSampleSize) {
    for (uint64_t i = 0; i < total; ++i) sample.push_back(normalised(i));
  } else {
    uint64_t state = seed;
    for (size_t i = 0; i < kInitSampleSize; ++i) sample.push_back(normalised(splitmix64(state) % total));
  }
  sample.erase(std::remove_if(sample.begin(), sample.end(), [](float v) { return std::isnan(v); }), sample.end());
  std::vector<float> table(levels);
  if (sample.empty()) {  // every group is zero: any table works
    for (size_t j = 0; j < levels; ++j) table[j] = -1 + 2 * (static_cast<float>(j) + 0.5f) / static_cast<float>(levels);
    return table;
  }
  std::sort(sample.begin(), sample.end());
  for (size_t j = 0; j < levels; ++j) {
    table[j] = sample[std::min(sample.size() - 1, (2 * j + 1) * sample.size() / (2 * levels))];
  }
  // Repeated quantiles (many equal weights, e.g. pruned zeros): spread them.
  const float gap = std::max(1e-3f * (table.back() - table.front()), 1e-6f);
  for (size_t j = 1; j < levels; ++j) table[j] = std::max(table[j], table[j - 1] + gap);
  return table;
}

template <int kBits>
Codebook learn(const Problem& p, const CodebookOptions& options) {
  constexpr int kLevels = Levels<kBits>::kLevels;
  const ScaleStorage storage{options.scale_type};
  const size_t num_groups = static_cast<size_t>(p.rows * p.groups_per_row);

  // Per group: absmax, and the signed weight that attains it.
  std::vector<float> absmax(num_groups, 0), extreme(num_groups, 0);
  for (int64_t r = 0; r < p.rows; ++r) {
    for (int64_t g = 0; g < p.groups_per_row; ++g) {
      const size_t id = static_cast<size_t>(r * p.groups_per_row + g);
      for (int64_t k = p.group_begin(g); k < p.group_end(g); ++k) {
        const float v = p.w[r * p.cols + k];
        if (std::fabs(v) > absmax[id]) absmax[id] = std::fabs(v), extreme[id] = v;
      }
    }
  }

  Codebook cb;
  cb.table = initial_table(p, absmax, kBits, options.seed);
  cb.scales.resize(num_groups);
  for (size_t id = 0; id < num_groups; ++id) {
    if (absmax[id] == 0) {
      cb.scales[id] = storage.min_scale();  // all codes go to the level nearest 0: error ~ 0
      continue;
    }
    cb.scales[id] = storage.round(absmax[id]);
    if (cb.scales[id] == 0) {
      throw Error("codebook: row " + std::to_string(id / static_cast<size_t>(p.groups_per_row)) + " group " +
                  std::to_string(id % static_cast<size_t>(p.groups_per_row)) + " has |w| up to " +
                  std::to_string(absmax[id]) + ", beyond the fp16 scale range (use f32 scales)");
    }
  }

  Levels<kBits> levels, mirrored;
  const auto set_levels = [&] {
    levels.set(cb.table);
    std::vector<float> negated(cb.table.rbegin(), cb.table.rend());
    for (float& v : negated) v = -v;
    mirrored.set(negated);
  };
  set_levels();
  std::vector<double> numerator(kLevels), denominator(kLevels);
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    // (a) nearest codes and (b) the weighted means they define, in one pass.
    std::fill(numerator.begin(), numerator.end(), 0.0);
    std::fill(denominator.begin(), denominator.end(), 0.0);
    for (int64_t r = 0; r < p.rows; ++r) {
      const float* row = p.w + r * p.cols;
      for (int64_t g = 0; g < p.groups_per_row; ++g) {
        const size_t id = static_cast<size_t>(r * p.groups_per_row + g);
        if (absmax[id] == 0) continue;
        const float s = cb.scales[id], inv = 1.0f / s;
        for (int64_t k = p.group_begin(g); k < p.group_end(g); ++k) {
          const int c = levels.nearest(row[k] * inv);
          // t_c = sum(omega s w) / sum(omega s^2) minimises sum omega (w - s t_c)^2.
          const float a = p.omega[static_cast<size_t>(k)] * s;
          numerator[static_cast<size_t>(c)] += a * row[k];
          denominator[static_cast<size_t>(c)] += a * s;
        }
      }
    }
    for (int c = 0; c < kLevels; ++c) {
      if (denominator[c] > 0) cb.table[c] = static_cast<float>(numerator[c] / denominator[c]);
    }
    // Means of ordered intervals stay ordered; sorting only guards rounding.
    std::sort(cb.table.begin(), cb.table.end());
    set_levels();

    // (c) per-group scales against the new table.
    if (!options.search_scales) continue;
    for (int64_t r = 0; r < p.rows; ++r) {
      for (int64_t g = 0; g < p.groups_per_row; ++g) {
        const size_t id = static_cast<size_t>(r * p.groups_per_row + g);
        if (absmax[id] == 0) continue;
        const int64_t begin = p.group_begin(g);
        cb.scales[id] = search_group_scale(p.w + r * p.cols + begin, p.omega.data() + begin, p.group_end(g) - begin,
                                           cb.scales[id], extreme[id], levels, mirrored, storage);
      }
    }
  }
  return cb;
}

void check_matrix(const float* w, int64_t rows, int64_t cols, int64_t group_size) {
  if (w == nullptr) throw Error("codebook: null weights");
  if (rows < 1 || cols < 1) {
    throw Error("codebook: the weight matrix must be at least 1 x 1, got " + std::to_string(rows) + " x " +
                std::to_string(cols));
  }
  if (group_size < 0) throw Error("codebook: group size must be >= 0 (0 = one scale per row), got " + std::to_string(group_size));
}

// Per-column error weights: the importance, or 1s when it is null or all zero.
std::vector<float> column_weights(const float* importance, int64_t cols) {
  std::vector<float> omega(static_cast<size_t>(cols), 1.0f);
  if (importance == nullptr) return omega;
  bool any = false;
  for (int64_t k = 0; k < cols; ++k) {
    if (!(importance[k] >= 0) || !std::isfinite(importance[k])) {
      throw Error("codebook: column importance " + std::to_string(k) + " is " + std::to_string(importance[k]) +
                  " (must be finite and >= 0)");
    }
    any = any || importance[k] > 0;
  }
  if (any) omega.assign(importance, importance + cols);
  return omega;
}

// Calls f(row, col, index, scale) for each weight.
template <typename F>
void for_each_weight(int64_t rows, int64_t cols, const Codebook& cb, int64_t group_size, F&& f) {
  const int64_t groups_per_row = codebook_groups_per_row(cols, group_size);
  const int64_t group = group_size == 0 ? cols : group_size;
  if (cb.scales.size() != static_cast<size_t>(rows * groups_per_row)) {
    throw Error("codebook: " + std::to_string(cb.scales.size()) + " scales for " + std::to_string(rows) + " rows of " +
                std::to_string(groups_per_row) + " groups");
  }
  if (cb.table.empty() || (cb.table.size() & (cb.table.size() - 1)) != 0) {
    throw Error("codebook: the table has " + std::to_string(cb.table.size()) + " entries, not a power of two");
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < cols; ++k) {
      f(r, k, r * cols + k, cb.scales[static_cast<size_t>(r * groups_per_row + k / group)]);
    }
  }
}

}  // namespace

int64_t codebook_groups_per_row(int64_t cols, int64_t group_size) {
  return group_size == 0 ? 1 : (cols + group_size - 1) / group_size;
}

int nearest_table_entry(const std::vector<float>& table, float v) {
  const auto above = std::lower_bound(table.begin(), table.end(), v);
  if (above == table.begin()) return 0;
  if (above == table.end()) return static_cast<int>(table.size()) - 1;
  const int i = static_cast<int>(above - table.begin());
  return v - table[i - 1] <= table[i] - v ? i - 1 : i;
}

void dequantize_with_codebook(const float* w, int64_t rows, int64_t cols, const Codebook& codebook,
                              int64_t group_size, float* out) {
  check_matrix(w, rows, cols, group_size);
  for_each_weight(rows, cols, codebook, group_size, [&](int64_t, int64_t, int64_t i, float s) {
    out[i] = s * codebook.table[nearest_table_entry(codebook.table, w[i] / s)];
  });
}

double codebook_weighted_mse(const float* w, int64_t rows, int64_t cols, const Codebook& codebook,
                             int64_t group_size, const float* column_importance) {
  check_matrix(w, rows, cols, group_size);
  const std::vector<float> omega = column_weights(column_importance, cols);
  double err = 0;
  for_each_weight(rows, cols, codebook, group_size, [&](int64_t, int64_t k, int64_t i, float s) {
    const double d = w[i] - static_cast<double>(s) * codebook.table[nearest_table_entry(codebook.table, w[i] / s)];
    err += omega[static_cast<size_t>(k)] * d * d;
  });
  double omega_sum = 0;
  for (float o : omega) omega_sum += o;
  return err / (omega_sum * static_cast<double>(rows));
}

Codebook learn_codebook(const float* w, int64_t rows, int64_t cols, const CodebookOptions& options) {
  check_matrix(w, rows, cols, options.group_size);
  if (options.bits < 1 || options.bits > codec::kMaxTableBits) {
    throw Error("codebook: bits must be in 1 .. " + std::to_string(codec::kMaxTableBits) + ", got " +
                std::to_string(options.bits));
  }
  if (options.iterations < 0) throw Error("codebook: iterations must be >= 0, got " + std::to_string(options.iterations));
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (!std::isfinite(w[i])) {
      throw Error("codebook: weight " + std::to_string(i) + " (row " + std::to_string(i / cols) + ", column " +
                  std::to_string(i % cols) + ") is " + std::to_string(w[i]));
    }
  }
  Problem p;
  p.w = w;
  p.rows = rows;
  p.cols = cols;
  p.group = options.group_size == 0 ? cols : std::min(options.group_size, cols);
  p.groups_per_row = codebook_groups_per_row(cols, options.group_size);
  p.omega = column_weights(options.column_importance, cols);

  Codebook cb;
  switch (options.bits) {
    case 1: cb = learn<1>(p, options); break;
    case 2: cb = learn<2>(p, options); break;
    case 3: cb = learn<3>(p, options); break;
    case 4: cb = learn<4>(p, options); break;
    case 5: cb = learn<5>(p, options); break;
    case 6: cb = learn<6>(p, options); break;
    case 7: cb = learn<7>(p, options); break;
    case 8: cb = learn<8>(p, options); break;
    default: cb = learn<9>(p, options); break;
  }
  cb.weighted_mse = codebook_weighted_mse(w, rows, cols, cb, options.group_size, options.column_importance);
  return cb;
}

}  // namespace nibble::convert::quant
