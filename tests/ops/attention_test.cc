// ATTENTION (reference): causal multi-head attention over the key/value
// cache in op.state, driven as the session drives it (position, rows,
// dims[0] of the views), against a naive full causal attention in double;
// prompts run at once or in chunks; state size, position limit, checks.
#include <cmath>
#include <cstring>
#include <random>

#include "op_test_util.h"

namespace nibble::test {
namespace {

// One ATTENTION op with its views, state and sequence state, as a session
// would hold them: views planned for `max_rows` rows.
struct AttentionRunner {
  int64_t width, heads, max_rows;
  Buf qkv, out;
  std::vector<float> state;
  SequenceState seq;
  BoundOp op;

  AttentionRunner(int64_t width_, int64_t heads_, int32_t max_positions, int64_t max_rows_)
      : width(width_), heads(heads_), max_rows(max_rows_) {
    qkv = tensor({max_rows, 3 * width});
    out = tensor({max_rows, width});
    op = make_op(OpCode::kAttention, {&qkv}, &out, "h0_attn");
    op.params.attention.num_heads = static_cast<int32_t>(heads);
    op.params.attention.max_positions = max_positions;
    const Status s = ref::check_op(op);
    EXPECT_TRUE(s.is_ok()) << s.message();
    // The session does not zero the state: NaN everywhere, so a read of
    // anything the op did not write first shows in the outputs.
    state.assign(ref::state_bytes(op) / sizeof(float), std::nanf(""));
    op.state = state.data();
    op.sequence = &seq;
  }

  // Runs n rows of `rows` (n x 3E) at the current position; returns the
  // n x E outputs and advances the position.
  std::vector<float> run(const float* rows, int64_t n) {
    std::memcpy(qkv.data.data(), rows, static_cast<size_t>(n * 3 * width) * sizeof(float));
    op.inputs[0].dims[0] = n;
    op.outputs[0].dims[0] = n;
    seq.rows = n;
    ref::run_op(op);
    seq.position += n;
    return std::vector<float>(out.data.begin(), out.data.begin() + n * width);
  }
};

std::vector<float> random_rows(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (float& x : v) x = dist(rng);
  return v;
}

// Full causal attention of all n rows at once, in double.
std::vector<double> naive_attention(const std::vector<float>& qkv, int64_t n, int64_t width, int64_t heads) {
  const int64_t d = width / heads;
  std::vector<double> out(static_cast<size_t>(n * width), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<double> s(static_cast<size_t>(i + 1));
      double m = -INFINITY;
      for (int64_t j = 0; j <= i; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < d; ++c) dot += double{qkv[i * 3 * width + h * d + c]} * qkv[j * 3 * width + width + h * d + c];
        s[j] = dot / std::sqrt(static_cast<double>(d));
        m = std::max(m, s[j]);
      }
      double sum = 0;
      for (double& v : s) sum += (v = std::exp(v - m));
      for (int64_t j = 0; j <= i; ++j) {
        for (int64_t c = 0; c < d; ++c) out[i * width + h * d + c] += s[j] / sum * qkv[j * 3 * width + 2 * width + h * d + c];
      }
    }
  }
  return out;
}

struct Shape {
  int64_t width, heads;
};
// H = 1 and H = 4; widths that are and are not multiples of 16 (the
// reduction lanes), head dims 16, 10, 24, 3, 16.
const Shape kShapes[] = {{16, 1}, {40, 4}, {24, 1}, {12, 4}, {64, 4}};

TEST(RefAttention, MatchesNaiveCausalAttention) {
  for (const Shape& sh : kShapes) {
    SCOPED_TRACE(testing::Message() << "E=" << sh.width << " H=" << sh.heads);
    const int64_t n = 9;
    const std::vector<float> qkv = random_rows(n, 3 * sh.width, 100 + static_cast<uint32_t>(sh.width));
    AttentionRunner r(sh.width, sh.heads, /*max_positions=*/12, /*max_rows=*/n);
    const std::vector<float> out = r.run(qkv.data(), n);
    const std::vector<double> expected = naive_attention(qkv, n, sh.width, sh.heads);
    for (size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(out[i], expected[i], 1e-5) << "at " << i;
  }
}

// The first row attends only to itself: its output is its own v.
TEST(RefAttention, FirstRowIsItsValue) {
  const std::vector<float> qkv = random_rows(1, 3 * 40, 5);
  AttentionRunner r(40, 4, 8, 4);
  const std::vector<float> out = r.run(qkv.data(), 1);
  for (int c = 0; c < 40; ++c) EXPECT_FLOAT_EQ(out[c], qkv[80 + c]);
}

// A prompt run in chunks through the cache (3 + 1 + 1 + 2 + ... rows, as
// prefill then token-by-token decoding) gives what one run of all rows
// gives, up to the last position the cache holds.
TEST(RefAttention, ChunkedRunsThroughTheCacheMatchOneRun) {
  for (const Shape& sh : kShapes) {
    SCOPED_TRACE(testing::Message() << "E=" << sh.width << " H=" << sh.heads);
    const int64_t n = 16;
    const std::vector<float> qkv = random_rows(n, 3 * sh.width, 200 + static_cast<uint32_t>(sh.width));
    AttentionRunner whole(sh.width, sh.heads, /*max_positions=*/16, /*max_rows=*/n);
    const std::vector<float> expected = whole.run(qkv.data(), n);

    AttentionRunner chunked(sh.width, sh.heads, 16, /*max_rows=*/4);
    std::vector<float> got;
    for (int64_t rows : {3, 1, 1, 2, 4, 1, 1, 3}) {
      const std::vector<float> part = chunked.run(qkv.data() + chunked.seq.position * 3 * sh.width, rows);
      got.insert(got.end(), part.begin(), part.end());
    }
    ASSERT_EQ(chunked.seq.position, n);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-5) << "at " << i;
  }
}

// Session::reset only sets the position back to 0: the same rows over
// the old cache contents give the same outputs again.
TEST(RefAttention, ResetStartsOverWithoutClearing) {
  const std::vector<float> qkv = random_rows(5, 3 * 24, 9);
  AttentionRunner r(24, 1, 8, 5);
  const std::vector<float> first = r.run(qkv.data(), 5);
  for (float v : first) ASSERT_TRUE(std::isfinite(v));
  r.seq.position = 0;
  const std::vector<float> again = r.run(qkv.data(), 5);
  EXPECT_EQ(first, again);
}

// Large scores (q . k in the thousands) stay finite: the max is
// subtracted before exp.
TEST(RefAttention, LargeScoresStayFinite) {
  std::vector<float> qkv = random_rows(4, 3 * 16, 11);
  for (float& v : qkv) v *= 40.0f;
  AttentionRunner r(16, 1, 4, 4);
  const std::vector<float> out = r.run(qkv.data(), 4);
  const std::vector<double> expected = naive_attention(qkv, 4, 16, 1);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_TRUE(std::isfinite(out[i]));
    ASSERT_NEAR(out[i], expected[i], 1e-3 * (1 + std::fabs(expected[i])));
  }
}

// A run past the cache (a broken session) writes nothing: neither the
// state beyond the cache nor the output.
TEST(RefAttention, RunPastTheCacheTouchesNothing) {
  const std::vector<float> qkv = random_rows(3, 3 * 16, 12);
  AttentionRunner r(16, 1, /*max_positions=*/4, /*max_rows=*/3);
  r.seq.position = 2;  // 2 + 3 > 4
  std::fill(r.out.data.begin(), r.out.data.end(), 5.0f);
  r.run(qkv.data(), 3);
  for (float v : r.state) EXPECT_TRUE(std::isnan(v));  // as the runner left it
  for (float v : r.out.data) EXPECT_EQ(v, 5.0f);
}

TEST(RefAttention, StateBytesAndPositionLimit) {
  AttentionRunner r(40, 4, 12, 3);
  // K and V caches of 12 x 40 floats, then 12 scores.
  EXPECT_EQ(ref::state_bytes(r.op), (2u * 12 * 40 + 12) * sizeof(float));
  EXPECT_EQ(ref::position_limit(r.op), 12);
  EXPECT_FALSE(ref::needs_run_check(r.op));
  EXPECT_TRUE(ref::check_run(r.op).is_ok());
}

BoundOp attention_op(Buf& qkv, Buf& out, int32_t heads, int32_t max_positions) {
  BoundOp op = make_op(OpCode::kAttention, {&qkv}, &out, "h3_attn");
  op.params.attention.num_heads = heads;
  op.params.attention.max_positions = max_positions;
  return op;
}

TEST(RefAttention, Rejects) {
  Buf qkv = tensor({4, 30});  // E = 10
  Buf out = tensor({4, 10});
  {
    BoundOp op = attention_op(qkv, out, 2, 8);
    EXPECT_TRUE(ref::check_op(op).is_ok());
  }
  {
    BoundOp op = attention_op(qkv, out, 4, 8);  // 4 does not divide 10
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  for (int32_t bad : {0, -1}) {
    BoundOp heads = attention_op(qkv, out, bad, 8);
    NIBBLE_EXPECT_REJECTED(heads, kMalformed);
    BoundOp positions = attention_op(qkv, out, 2, bad);
    NIBBLE_EXPECT_REJECTED(positions, kMalformed);
  }
  {
    Buf qkv31 = tensor({4, 31});  // not 3 x E
    BoundOp op = attention_op(qkv31, out, 1, 8);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf wide = tensor({4, 30 * 2});  // 3E = 60 but the output says E = 10
    BoundOp op = attention_op(wide, out, 2, 8);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf rows3 = tensor({3, 10});
    BoundOp op = attention_op(qkv, rows3, 2, 8);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf flat = tensor({120});
    BoundOp op = attention_op(flat, out, 2, 8);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    // A cache of 2^31 - 1 positions x 2^31 floats does not fit in memory
    // anyone can address: refused before the session sizes the state.
    BoundOp op = attention_op(qkv, out, 1, INT32_MAX);
    op.inputs[0].dims[0] = 1;
    op.inputs[0].dims[1] = int64_t{3} << 31;
    op.outputs[0].dims[0] = 1;
    op.outputs[0].dims[1] = int64_t{1} << 31;
    NIBBLE_EXPECT_REJECTED(op, kOverflow);
  }
}

}  // namespace
}  // namespace nibble::test
