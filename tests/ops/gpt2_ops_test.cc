// GPT-2 on the reference ops alone: the gpt2-shakespeare checkpoint (a
// Hugging Face GPT-2, 4 layers, width 256, 4 heads) wired by hand into the
// graph the converter builds (EMBEDDING, LAYER_NORM, LINEAR, ATTENTION,
// GELU, ADD; see the converter's GPT-2 import), run as a session runs it,
// must give PyTorch's logits and greedy tokens (reference.json). This pins
// the ops' semantics (c_attn's q/k/v layout, head split, GELU's tanh form,
// LayerNorm's epsilon, the causal cache) to the model they exist for,
// independently of the converter and the session.
#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include "gpt2_fixture.h"
#include "op_test_util.h"

namespace nibble::test {
namespace {

constexpr int64_t kVocab = 2048, kWidth = 256, kPositions = 256, kLayers = 4, kHeads = 4;

// Conv1D weights are stored [in, out]; LINEAR takes [out, in].
std::vector<float> transposed(const std::vector<float>& w, int64_t in, int64_t out) {
  std::vector<float> t(w.size());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) t[o * in + i] = w[i * out + o];
  return t;
}

class Gpt2OnOps {
 public:
  explicit Gpt2OnOps(int64_t max_rows) : max_rows_(max_rows) {
    const SafeTensors st;
    Buf& wte = constant({kVocab, kWidth}, st.get("wte.weight"));
    Buf& wpe = constant({kPositions, kWidth}, st.get("wpe.weight"));
    ids_ = &activation({max_rows});
    Buf& tok = activation({max_rows, kWidth});
    Buf& pos = activation({max_rows, kWidth});
    add_op(OpCode::kEmbedding, {ids_, &wte}, &tok).params.embedding.positional = false;
    add_op(OpCode::kEmbedding, {ids_, &wpe}, &pos).params.embedding.positional = true;
    Buf* h = &add(tok, pos);
    for (int64_t l = 0; l < kLayers; ++l) {
      const std::string p = "h." + std::to_string(l) + ".";
      Buf& a = layer_norm(*h, st, p + "ln_1");
      Buf& qkv = linear(a, st, p + "attn.c_attn", 3 * kWidth);
      Buf& y = activation({max_rows, kWidth});
      BoundOp& attn = add_op(OpCode::kAttention, {&qkv}, &y);
      attn.params.attention.num_heads = static_cast<int32_t>(kHeads);
      attn.params.attention.max_positions = static_cast<int32_t>(kPositions);
      h = &add(*h, linear(y, st, p + "attn.c_proj", kWidth));
      Buf& f = linear(layer_norm(*h, st, p + "ln_2"), st, p + "mlp.c_fc", 4 * kWidth);
      add_op(OpCode::kGelu, {&f}, &f).params.gelu.approximation = GeluApproximation::kTanh;  // in place
      h = &add(*h, linear(f, st, p + "mlp.c_proj", kWidth));
    }
    logits_ = &activation({max_rows, kVocab});
    add_op(OpCode::kLinear, {&layer_norm(*h, st, "ln_f"), &wte}, logits_).params.linear.activation = no_activation();

    // Checked at the planned maximum rows, then the state, as a session.
    uint64_t state_floats = 0;
    for (BoundOp& op : ops_) {
      const Status s = ref::check_op(op);
      EXPECT_TRUE(s.is_ok()) << s.message();
      state_floats += ref::state_bytes(op) / sizeof(float);
      limit_ = std::min(limit_, ref::position_limit(op));
    }
    state_.assign(state_floats, std::nanf(""));  // not zeroed, as in a session
    uint64_t offset = 0;
    for (BoundOp& op : ops_) {
      op.sequence = &seq_;
      if (ref::state_bytes(op) == 0) continue;
      op.state = state_.data() + offset;
      offset += ref::state_bytes(op) / sizeof(float);
    }
  }

  int64_t position_limit() const { return limit_; }
  int64_t position() const { return seq_.position; }

  // One run of ids.size() rows at the current position; the logits rows.
  std::vector<float> run(const std::vector<int32_t>& ids) {
    const int64_t rows = static_cast<int64_t>(ids.size());
    EXPECT_LE(rows, max_rows_);
    EXPECT_LE(seq_.position + rows, limit_);
    std::memcpy(ids_->data.data(), ids.data(), ids.size() * sizeof(int32_t));
    seq_.rows = rows;
    for (BoundOp& op : ops_) {
      for (int32_t k = 0; k < op.num_inputs; ++k)
        if (op.inputs[k].sequence) op.inputs[k].dims[0] = rows;
      if (op.outputs[0].sequence) op.outputs[0].dims[0] = rows;
      if (ref::needs_run_check(op)) {
        const Status s = ref::check_run(op);
        EXPECT_TRUE(s.is_ok()) << s.message();
        if (!s.is_ok()) return {};
      }
      ref::run_op(op);
    }
    seq_.position += rows;
    return std::vector<float>(logits_->data.begin(), logits_->data.begin() + rows * kVocab);
  }

 private:
  Buf& constant(std::vector<int64_t> dims, std::vector<float> values) {
    bufs_.push_back(tensor(std::move(dims), std::move(values)));
    return bufs_.back();
  }
  Buf& activation(std::vector<int64_t> dims) {
    bufs_.push_back(tensor(std::move(dims)));
    sequence_.insert(bufs_.back().data.data());
    return bufs_.back();
  }
  BoundOp& add_op(OpCode code, std::vector<Buf*> inputs, Buf* output) {
    ops_.push_back(make_op(code, std::move(inputs), output, "gpt2_op"));
    BoundOp& op = ops_.back();
    for (int32_t k = 0; k < op.num_inputs; ++k) op.inputs[k].sequence = sequence_.count(op.inputs[k].data) > 0;
    op.outputs[0].sequence = sequence_.count(op.outputs[0].data) > 0;
    return op;
  }
  Buf& add(Buf& a, Buf& b) {
    Buf& out = activation({max_rows_, kWidth});
    BoundOp& op = add_op(OpCode::kBinary, {&a, &b}, &out);
    op.params.binary.kind = BinaryKind::kAdd;
    op.params.binary.activation = no_activation();
    return out;
  }
  Buf& layer_norm(Buf& x, const SafeTensors& st, const std::string& name) {
    Buf& out = activation({max_rows_, kWidth});
    Buf& gamma = constant({kWidth}, st.get(name + ".weight"));
    Buf& beta = constant({kWidth}, st.get(name + ".bias"));
    add_op(OpCode::kLayerNorm, {&x, &gamma, &beta}, &out).params.layer_norm.epsilon = 1e-5f;
    return out;
  }
  Buf& linear(Buf& x, const SafeTensors& st, const std::string& name, int64_t out_width) {
    const int64_t in_width = x.dims[1];
    Buf& w = constant({out_width, in_width}, transposed(st.get(name + ".weight"), in_width, out_width));
    Buf& b = constant({out_width}, st.get(name + ".bias"));
    Buf& out = activation({max_rows_, out_width});
    add_op(OpCode::kLinear, {&x, &w, &b}, &out).params.linear.activation = no_activation();
    return out;
  }

  int64_t max_rows_;
  std::deque<Buf> bufs_;  // stable addresses: the views point into them
  std::set<const float*> sequence_;
  std::deque<BoundOp> ops_;
  std::vector<float> state_;
  SequenceState seq_;
  int64_t limit_ = INT64_MAX;
  Buf* ids_ = nullptr;
  Buf* logits_ = nullptr;
};

std::vector<int32_t> prompt_ids() {
  std::vector<int32_t> ids;
  for (int64_t v : json_int_list(read_fixture("reference.json"), "prompt_ids")) ids.push_back(static_cast<int32_t>(v));
  return ids;
}

std::vector<float> reference_logits() {
  const std::string bytes = read_fixture("reference_prompt_logits.f32");
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

int32_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int32_t>(best);
}

// PyTorch computes in float too, in another order: the logits (magnitudes
// up to ~7) agree to 1.1e-5 on x86-64; 2e-4 leaves room for other CPUs'
// rounding (fused multiply-adds on aarch64).
constexpr float kLogitTolerance = 2e-4f;

void expect_reference_logits(const float* got) {
  const std::vector<float> expected = reference_logits();
  ASSERT_EQ(expected.size(), static_cast<size_t>(kVocab));
  float worst = 0;
  for (int64_t i = 0; i < kVocab; ++i) worst = std::max(worst, std::fabs(got[i] - expected[i]));
  EXPECT_LT(worst, kLogitTolerance);
  EXPECT_EQ(argmax(got, kVocab), argmax(expected.data(), kVocab));
}

TEST(RefGpt2, PromptLogitsMatchPyTorch) {
  Gpt2OnOps model(16);
  EXPECT_EQ(model.position_limit(), kPositions);  // min of ATTENTION's cache and wpe's rows
  const std::vector<int32_t> ids = prompt_ids();
  ASSERT_EQ(ids.size(), 9u);
  const std::vector<float> logits = model.run(ids);
  ASSERT_EQ(logits.size(), ids.size() * kVocab);
  expect_reference_logits(logits.data() + (ids.size() - 1) * kVocab);
}

// The prompt as 5 rows, then one row at a time through the caches.
TEST(RefGpt2, ChunkedPromptGivesTheSameLogits) {
  Gpt2OnOps model(16);
  const std::vector<int32_t> ids = prompt_ids();
  std::vector<float> last = model.run(std::vector<int32_t>(ids.begin(), ids.begin() + 5));
  for (size_t i = 5; i < ids.size(); ++i) last = model.run({ids[i]});
  EXPECT_EQ(model.position(), 9);
  expect_reference_logits(last.data());
}

// Greedy decoding with the caches, one token per run, gives the 64 tokens
// PyTorch picked feeding the whole sequence each step. The closest top-2
// gap over these steps is 3e-3, far above the logits' error.
TEST(RefGpt2, GreedyDecodingMatchesPyTorch) {
  Gpt2OnOps model(16);
  const std::vector<int64_t> expected = json_int_list(read_fixture("reference.json"), "greedy_64");
  ASSERT_EQ(expected.size(), 64u);
  std::vector<float> logits = model.run(prompt_ids());
  int32_t next = argmax(logits.data() + (logits.size() - kVocab), kVocab);
  for (size_t step = 0; step < expected.size(); ++step) {
    ASSERT_EQ(next, expected[step]) << "token " << step;
    logits = model.run({next});
    next = argmax(logits.data(), kVocab);
  }
}

}  // namespace
}  // namespace nibble::test
