// Causal multi-head self-attention over a key/value cache: input
// {qkv [S, 3E]} -> [S, E], H = num_heads heads of D = E / H columns.
// q = qkv cols [0, E), k = [E, 2E), v = [2E, 3E); head h uses cols
// [h D, (h + 1) D) of each (Hugging Face GPT-2's c_attn layout).
//
// Row i is absolute position p = sequence->position + i. Its k and v are
// written to the cache at p, then it attends to positions 0 .. p:
// s_j = q . k_j / sqrt(D), w = softmax(s) (max subtracted), out = sum_j
// w_j v_j. A row's result depends only on the cache and its own q, so a
// prompt run in one go or in chunks gives the same outputs.
//
// State (BoundOp::state, attention_state_bytes): K cache [max_positions][E],
// V cache [max_positions][E], then one row of scores [max_positions]. The
// session does not zero it: a run reads only cache positions it or an
// earlier run of the sequence wrote, and scores it has just computed. Keys
// and values of a position are contiguous per head, so every inner loop
// (the q . k dot product, the weighted sum of v rows) walks contiguous
// memory.
#include <cmath>
#include <cstring>

#include "core/checked_math.h"
#include "ops/reference/lane_reduce.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

namespace {

// Floats of state for a cache of `positions` x `width`, or false on
// overflow: 2 * positions * width + positions.
bool state_floats(int64_t positions, int64_t width, uint64_t* out) {
  uint64_t cache = 0, both = 0, total = 0;
  if (!checked_mul(static_cast<uint64_t>(positions), static_cast<uint64_t>(width), &cache) ||
      !checked_mul(cache, 2, &both) || !checked_add(both, static_cast<uint64_t>(positions), &total) ||
      total > kMaxElements) {
    return false;
  }
  *out = total;
  return true;
}

// out[d] = sum_j w[j] * v_j[d] (j ascending; row j at v + j * stride),
// d in [0, n). Blocks of 16 columns are accumulated in registers over all
// j (LaneSums), so out is written once, not once per row; the rest of the
// columns one by one, in the same order.
void weighted_rows(const float* w, int64_t count, const float* v, int64_t stride, int64_t n, float* out) {
  int64_t d0 = 0;
  for (; d0 + kReduceLanes <= n; d0 += kReduceLanes) {
    LaneSums acc;
    for (int64_t j = 0; j < count; ++j) acc.madd(w[j], v + j * stride + d0);
    acc.store(out + d0);
  }
  for (int64_t d = d0; d < n; ++d) {
    float sum = 0.0f;
    for (int64_t j = 0; j < count; ++j) sum += w[j] * v[j * stride + d];
    out[d] = sum;
  }
}

// In place: s = exp(s - max s) / sum exp(s - max s); count >= 1.
void softmax_in_place(float* s, int64_t count) {
  float m = s[0];
  for (int64_t j = 1; j < count; ++j) m = s[j] > m ? s[j] : m;
  float sum = 0.0f;
  for (int64_t j = 0; j < count; ++j) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  const float inv = 1.0f / sum;  // sum >= 1: the maximum contributes exp(0)
  for (int64_t j = 0; j < count; ++j) s[j] *= inv;
}

}  // namespace

Status check_attention(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& qkv = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, qkv, "qkv", 2, 2));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 2, 2));
  if (qkv.dims[1] % 3 != 0) {
    return NIBBLE_OP_ERROR(kMalformed, "qkv shape %s: the columns are not 3 x E (queries, keys, values)",
                           format_dims(qkv.dims, 2).text);
  }
  const int64_t width = qkv.dims[1] / 3;
  const AttentionParams& p = op.params.attention;
  if (p.num_heads <= 0 || width % p.num_heads != 0) {
    return NIBBLE_OP_ERROR(kMalformed, "num_heads %d does not divide the width E = %lld", p.num_heads,
                           static_cast<long long>(width));
  }
  if (p.max_positions <= 0) {
    return NIBBLE_OP_ERROR(kMalformed, "max_positions %d must be > 0", p.max_positions);
  }
  uint64_t floats = 0;
  if (!state_floats(p.max_positions, width, &floats)) {
    return NIBBLE_OP_ERROR(kOverflow, "key/value cache of %d positions x %lld overflows", p.max_positions,
                           static_cast<long long>(width));
  }
  const int64_t expected[2] = {qkv.dims[0], width};
  return check_output_shape(op, expected, 2);
}

uint64_t attention_state_bytes(const BoundOp& op) {
  uint64_t floats = 0;
  if (!state_floats(op.params.attention.max_positions, op.inputs[0].dims[1] / 3, &floats)) return 0;
  return floats * sizeof(float);
}

void run_attention(const BoundOp& op) {
  const TensorView& qkv = op.inputs[0];
  float* out = op.outputs[0].data;
  const int64_t rows = qkv.dims[0];  // this run's rows (the session sets dims[0])
  const int64_t width = qkv.dims[1] / 3;
  const int64_t heads = op.params.attention.num_heads;
  const int64_t head_dim = width / heads;
  const int64_t max_positions = op.params.attention.max_positions;
  const int64_t position = op.sequence != nullptr ? op.sequence->position : 0;
  float* k_cache = op.state;
  float* v_cache = op.state + max_positions * width;
  float* scores = op.state + 2 * max_positions * width;
  // Divide (not multiply by a reciprocal), as Hugging Face GPT-2 does.
  const float scale = std::sqrt(static_cast<float>(head_dim));
  // The session keeps position + rows <= max_positions (position_limit);
  // checked again, once per run, so no misuse can write past the cache.
  if (k_cache == nullptr || position < 0 || position > max_positions - rows) return;

  // Every row's keys and values first: row i only reads positions <= its
  // own, so the later rows' entries are not seen early.
  for (int64_t i = 0; i < rows; ++i) {
    const float* src = qkv.data + i * 3 * width;
    std::memcpy(k_cache + (position + i) * width, src + width, static_cast<size_t>(width) * sizeof(float));
    std::memcpy(v_cache + (position + i) * width, src + 2 * width, static_cast<size_t>(width) * sizeof(float));
  }
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t count = position + i + 1;  // positions 0 .. p
    for (int64_t h = 0; h < heads; ++h) {
      const float* q = qkv.data + i * 3 * width + h * head_dim;
      const float* k = k_cache + h * head_dim;
      for (int64_t j = 0; j < count; ++j) scores[j] = lane_dot(q, k + j * width, head_dim) / scale;
      softmax_in_place(scores, count);
      weighted_rows(scores, count, v_cache + h * head_dim, width, head_dim, out + i * width + h * head_dim);
    }
  }
}

}  // namespace nibble::ref
