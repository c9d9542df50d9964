// Learned non-uniform codebooks (the "lut" codec): w ~ scale[g] * table[c],
// one table of 2^bits levels shared by the whole tensor, one positive scale
// per group of `group_size` consecutive weights along a row (group_size 0:
// one scale per row). A weight is a rows x cols row-major matrix (rows =
// output channels, cols = the reduction axis); a row's last group may be
// shorter when group_size does not divide cols.
//
// Learning minimises the importance-weighted squared error
//   E = sum_{r,k} omega_k (w_rk - s_g(r,k) * t_c(r,k))^2
// by alternating (weighted Lloyd / k-means with per-group scales):
//   (a) each weight takes the level of s * table nearest to it (optimal per
//       weight whatever omega is),
//   (b) each level becomes the omega * s^2 weighted mean of the normalised
//       weights w / s assigned to it (the exact minimiser for fixed codes
//       and scales),
//   (c) each group's scale: the closed form sum(omega w t) / sum(omega t^2)
//       for its codes, and a grid of scales 0.7 .. 1.1 x the one that maps
//       the group's largest |w| onto the table's outermost level of its
//       sign (each grid point re-assigned, then solved in closed form, as
//       ggml's make_qx_quants does), keeping a candidate only if its error
//       with re-assigned codes is lower.
// Every step can only lower E, and scales are rounded to their stored type
// (fp16 by default) before being evaluated, so the learned table and
// scales are exact for the file that stores them.
#pragma once

#include <cstdint>
#include <vector>

#include "codec/weight_layout.h"

namespace nibble::convert::quant {

struct CodebookOptions {
  int bits = 4;              // 1 .. 9 (codec::kMaxTableBits)
  int64_t group_size = 32;   // weights per scale along a row; 0 = one scale per row
  // How scales are stored (f32, f16, e8): every scale is rounded to that
  // type before use (f16: min 2^-24, max 65504; e8: eighth octaves from
  // 2^-16), so the learned result is exact for the stored file.
  codec::ScaleType scale_type = codec::ScaleType::kF16;
  int iterations = 12;       // (a)-(c) rounds; 0 keeps the initial table
  bool search_scales = true; // step (c); false keeps the absmax scales
  // cols values >= 0, e.g. E[x_k^2] of the layer input: the error of weight
  // (r, k) counts omega_k times. Null: uniform. All zero: treated as uniform.
  const float* column_importance = nullptr;
  uint64_t seed = 1;         // the sample of weights the table starts from
};

struct Codebook {
  std::vector<float> table;   // 2^bits levels, ascending
  std::vector<float> scales;  // rows * groups_per_row, positive, finite (values of scale_type)
  // E / (rows * sum_k omega_k) for the returned table and scales with
  // nearest codes (the plain MSE when importance is uniform).
  double weighted_mse = 0;
};

// Throws Error for bits outside 1 .. 9, rows or cols < 1, a negative group
// size or iteration count, NaN or infinite weights, negative or
// non-finite importance, or a group whose scale overflows fp16.
Codebook learn_codebook(const float* w, int64_t rows, int64_t cols, const CodebookOptions& options);

// ceil(cols / group_size); 1 for group_size 0.
int64_t codebook_groups_per_row(int64_t cols, int64_t group_size);

// Index of the table entry nearest to v (ties: the lower index, as
// codec::encode_nearest), for an ascending table of 2^bits entries.
int nearest_table_entry(const std::vector<float>& table, float v);

// w quantized with the codebook and dequantized into out[rows * cols]:
// out = scale * table[nearest entry to w / scale].
void dequantize_with_codebook(const float* w, int64_t rows, int64_t cols, const Codebook& codebook,
                              int64_t group_size, float* out);

// The weighted MSE learn_codebook reports, for any codebook.
double codebook_weighted_mse(const float* w, int64_t rows, int64_t cols, const Codebook& codebook,
                             int64_t group_size, const float* column_importance);

}  // namespace nibble::convert::quant
