#include "converter/hf/gpt2_config.h"

#include <cmath>
#include <limits>

#include "converter/convert.h"
#include "converter/util/json.h"

namespace nibble::convert::hf {

namespace {

// Sizes beyond this are not a model an edge runtime loads, and keeping
// them small keeps every product of two of them far from overflow.
constexpr int64_t kMaxDimension = int64_t{1} << 24;

class ConfigReader {
 public:
  ConfigReader(const json::Value& root, const std::string& path) : root_(root), path_(path) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(path_ + ": '" + key + "' " + what);
  }

  const json::Value* get(const std::string& key) const {
    const json::Value* v = root_.find(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }

  int64_t positive(const std::string& key, const json::Value* v) const {
    int64_t n = 0;
    if (!v->is_number() || !v->to_int64(&n)) fail(key, "is not an integer");
    if (n < 1 || n > kMaxDimension) fail(key, "is " + std::to_string(n) + ", outside 1.." + std::to_string(kMaxDimension));
    return n;
  }

  int64_t required_positive(const std::string& key) const {
    const json::Value* v = get(key);
    if (v == nullptr) fail(key, "is missing");
    return positive(key, v);
  }

  int64_t optional_token(const std::string& key) const {
    const json::Value* v = get(key);
    if (v == nullptr) return -1;
    int64_t n = 0;
    if (!v->is_number() || !v->to_int64(&n) || n < 0) fail(key, "is not a token id");
    return n;
  }

  bool flag(const std::string& key) const {
    const json::Value* v = get(key);
    if (v == nullptr) return false;
    if (!v->is_bool()) fail(key, "is not true or false");
    return v->boolean;
  }

 private:
  const json::Value& root_;
  const std::string& path_;
};

}  // namespace

Gpt2Config parse_gpt2_config(const std::string& text, const std::string& path) {
  const json::Value root = json::parse(text, path);
  if (!root.is_object()) throw Error(path + ": not a JSON object");
  // json::Value keeps repeated keys; which one a reader takes is not
  // defined, so a repeated key is refused rather than guessed.
  for (size_t k = 0; k < root.object.size(); ++k) {
    for (size_t j = 0; j < k; ++j) {
      if (root.object[j].first == root.object[k].first) throw Error(path + ": '" + root.object[k].first + "' appears twice");
    }
  }
  ConfigReader r(root, path);
  Gpt2Config c;
  const json::Value* type = r.get("model_type");
  if (type == nullptr) r.fail("model_type", "is missing (expected \"gpt2\")");
  if (!type->is_string() || type->text != "gpt2") {
    r.fail("model_type", "is " + (type->is_string() ? "\"" + type->text + "\"" : std::string("not a string")) +
                             "; only \"gpt2\" checkpoints are imported");
  }
  c.vocab_size = r.required_positive("vocab_size");
  if (r.get("n_positions") != nullptr) {
    c.n_positions = r.positive("n_positions", r.get("n_positions"));
  } else if (r.get("n_ctx") != nullptr) {
    c.n_positions = r.positive("n_ctx", r.get("n_ctx"));
  } else {
    r.fail("n_positions", "is missing (and so is n_ctx)");
  }
  c.n_embd = r.required_positive("n_embd");
  c.n_layer = r.required_positive("n_layer");
  c.n_head = r.required_positive("n_head");
  if (c.n_embd % c.n_head != 0) {
    r.fail("n_head", "is " + std::to_string(c.n_head) + ", which does not divide n_embd " + std::to_string(c.n_embd));
  }
  c.n_inner = r.get("n_inner") != nullptr ? r.positive("n_inner", r.get("n_inner")) : 4 * c.n_embd;
  if (const json::Value* eps = r.get("layer_norm_epsilon")) {
    if (!eps->to_double(&c.layer_norm_epsilon) || !(c.layer_norm_epsilon > 0) ||
        c.layer_norm_epsilon > std::numeric_limits<float>::max()) {
      r.fail("layer_norm_epsilon", "is not a positive number");
    }
  }
  if (const json::Value* act = r.get("activation_function")) {
    if (!act->is_string()) r.fail("activation_function", "is not a string");
    c.activation_function = act->text;
  }
  // gelu_new and gelu_pytorch_tanh are the same tanh formula; "gelu" is
  // the exact erf form.
  if (c.activation_function == "gelu_new" || c.activation_function == "gelu_pytorch_tanh") {
    c.gelu = fb::GeluApproximation::TANH;
  } else if (c.activation_function == "gelu") {
    c.gelu = fb::GeluApproximation::ERF;
  } else {
    r.fail("activation_function", "is \"" + c.activation_function +
                                      "\"; supported: gelu_new, gelu_pytorch_tanh (tanh form), gelu (erf form)");
  }
  if (r.flag("add_cross_attention")) r.fail("add_cross_attention", "is true; encoder-decoder GPT-2 is not supported");
  if (r.flag("scale_attn_by_inverse_layer_idx")) {
    r.fail("scale_attn_by_inverse_layer_idx", "is true; ATTENTION scales by 1/sqrt(head_dim) only");
  }
  if (const json::Value* scale = r.get("scale_attn_weights")) {
    if (!scale->is_bool() || !scale->boolean) r.fail("scale_attn_weights", "is not true; ATTENTION always scales by 1/sqrt(head_dim)");
  }
  c.bos_token_id = r.optional_token("bos_token_id");
  c.eos_token_id = r.optional_token("eos_token_id");
  for (const char* key : {"bos_token_id", "eos_token_id"}) {
    const int64_t id = std::string(key) == "bos_token_id" ? c.bos_token_id : c.eos_token_id;
    if (id >= c.vocab_size) r.fail(key, "is " + std::to_string(id) + ", not below vocab_size " + std::to_string(c.vocab_size));
  }
  return c;
}

}  // namespace nibble::convert::hf
