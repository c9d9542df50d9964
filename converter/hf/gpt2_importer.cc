#include "converter/hf/gpt2_importer.h"

#include <algorithm>
#include <filesystem>

#include "converter/convert.h"
#include "converter/hf/gpt2_vocab.h"
#include "converter/hf/safetensors.h"
#include "converter/util/file_util.h"
#include "converter/util/sha256.h"

namespace nibble::convert::hf {

namespace {

// Builds the graph; values are named after the checkpoint's keys (without
// "transformer.") and nodes after the module they compute, so --codec and
// --keep globs read like the PyTorch module tree.
class Builder {
 public:
  Builder(const Checkpoint& ckpt, const Gpt2Config& config, int64_t rows, Graph* g)
      : ckpt_(ckpt), c_(config), rows_(rows), g_(*g) {
    prefix_ = ckpt.has("transformer.wte.weight") ? "transformer." : "";
  }

  void build() {
    const int ids = g_.add_value("input_ids", DType::kInt32, {rows_});
    g_.values[ids].sequence = true;
    g_.inputs.push_back(ids);
    const int wte = weight("wte.weight", {c_.vocab_size, c_.n_embd});
    const int wpe = weight("wpe.weight", {c_.n_positions, c_.n_embd});
    NbOp tok = op(fb::OpCode::EMBEDDING);
    const int tok_out = node("wte", "Embedding", tok, {ids, wte}, c_.n_embd);
    NbOp pos = op(fb::OpCode::EMBEDDING);
    pos.positional = true;
    const int pos_out = node("wpe", "Embedding", pos, {ids, wpe}, c_.n_embd);
    int h = add("embeddings", tok_out, pos_out);
    for (int64_t i = 0; i < c_.n_layer; ++i) h = block("h." + std::to_string(i), h);
    const int x = layer_norm("ln_f", h);
    int head = wte;
    if (ckpt_.has("lm_head.weight") && !same_as_wte(head)) {
      head = weight("lm_head.weight", {c_.vocab_size, c_.n_embd}, /*with_prefix=*/false);
      untied_ = true;
    }
    const int logits = node("lm_head", "Linear", op(fb::OpCode::LINEAR), {x, head}, c_.vocab_size, "logits");
    g_.outputs.push_back(logits);
  }

  bool untied() const { return untied_; }

 private:
  int block(const std::string& p, int h) {
    const int a = layer_norm(p + ".ln_1", h);
    const int qkv = linear(p + ".attn.c_attn", a, c_.n_embd, 3 * c_.n_embd);
    NbOp att = op(fb::OpCode::ATTENTION);
    att.num_heads = static_cast<int>(c_.n_head);
    att.max_positions = static_cast<int>(c_.n_positions);
    const int y = node(p + ".attn", "Attention", att, {qkv}, c_.n_embd);
    const int proj = linear(p + ".attn.c_proj", y, c_.n_embd, c_.n_embd);
    h = add(p + ".attn.residual", h, proj);
    const int m = layer_norm(p + ".ln_2", h);
    const int f = linear(p + ".mlp.c_fc", m, c_.n_embd, c_.n_inner);
    NbOp gelu = op(fb::OpCode::GELU);
    gelu.gelu = c_.gelu;
    const int act = node(p + ".mlp.act", "Gelu", gelu, {f}, c_.n_inner);
    const int proj2 = linear(p + ".mlp.c_proj", act, c_.n_inner, c_.n_embd);
    return add(p + ".mlp.residual", h, proj2);
  }

  int layer_norm(const std::string& module, int x) {
    const int gamma = weight(module + ".weight", {c_.n_embd});
    const int beta = weight(module + ".bias", {c_.n_embd});
    NbOp ln = op(fb::OpCode::LAYER_NORM);
    ln.epsilon = static_cast<float>(c_.layer_norm_epsilon);
    return node(module, "LayerNorm", ln, {x, gamma, beta}, c_.n_embd);
  }

  // GPT-2's Conv1D stores its weight [in, out] (x @ W); LINEAR wants
  // [out, in], so it is transposed once here.
  int linear(const std::string& module, int x, int64_t in, int64_t out) {
    const std::string key = module + ".weight";
    TensorData w = read(key, {in, out});
    const int wv = g_.add_constant(key, transpose_data(w, {1, 0}));
    const int bias = weight(module + ".bias", {out});
    return node(module, "Conv1D", op(fb::OpCode::LINEAR), {x, wv, bias}, out);
  }

  int add(const std::string& name, int a, int b) {
    NbOp o = op(fb::OpCode::BINARY);
    o.binary = fb::BinaryKind::ADD;
    return node(name, "Add", o, {a, b}, c_.n_embd);
  }

  static NbOp op(fb::OpCode code) {
    NbOp o;
    o.code = code;
    return o;
  }

  int node(const std::string& name, const std::string& source_op, const NbOp& nb, std::vector<int> inputs, int64_t cols,
           const std::string& output_name = "") {
    const int out = g_.add_value(output_name.empty() ? name + ".output" : output_name, DType::kFloat32, {rows_, cols});
    g_.values[out].sequence = true;
    Node n;
    n.name = name;
    n.op_type = source_op;
    n.lowered = true;
    n.nb = nb;
    n.inputs = std::move(inputs);
    n.outputs = {out};
    g_.nodes.push_back(std::move(n));
    return out;
  }

  TensorData read(const std::string& key, const Shape& expected, bool with_prefix = true) {
    const std::string full = (with_prefix ? prefix_ : "") + key;
    const SafetensorsFile* file = nullptr;
    const StTensor& t = ckpt_.tensor(full, &file);
    if (t.shape != expected) {
      throw Error(file->path() + ": tensor '" + full + "' has shape " + shape_string(t.shape) + ", config.json implies " +
                  shape_string(expected));
    }
    return file->read_float(t);
  }

  int weight(const std::string& key, const Shape& expected, bool with_prefix = true) {
    return g_.add_constant(key, read(key, expected, with_prefix));
  }

  // transformers saves lm_head.weight only when untied, but some exports
  // write the tied copy too: equal contents mean tied.
  bool same_as_wte(int wte) {
    const TensorData head = read("lm_head.weight", {c_.vocab_size, c_.n_embd}, false);
    return head.f == g_.values[wte].data->f;
  }

  const Checkpoint& ckpt_;
  const Gpt2Config& c_;
  int64_t rows_;
  Graph& g_;
  std::string prefix_;
  bool untied_ = false;
};

}  // namespace

int64_t default_max_tokens(int64_t n_positions) { return std::min<int64_t>(n_positions, 128); }

Gpt2Import import_gpt2(const std::string& dir, int64_t max_tokens) {
  namespace fs = std::filesystem;
  Gpt2Import m;
  m.config_path = dir + "/config.json";
  m.config = parse_gpt2_config(read_file(m.config_path), m.config_path);
  const int64_t rows = max_tokens == 0 ? default_max_tokens(m.config.n_positions) : max_tokens;
  if (rows < 1 || rows > m.config.n_positions) {
    throw Error("--max-tokens " + std::to_string(max_tokens) + ": must be 1.." + std::to_string(m.config.n_positions) +
                " (n_positions of " + m.config_path + ")");
  }
  const Checkpoint ckpt = Checkpoint::open_dir(dir);
  m.checkpoint_path = ckpt.description_path();
  m.checkpoint_sha256 = sha256_hex(read_file(m.checkpoint_path));
  m.checkpoint_tensors = static_cast<int>(ckpt.names().size());
  Builder builder(ckpt, m.config, rows, &m.graph);
  builder.build();
  m.tied_lm_head = !builder.untied();

  const std::string vocab = dir + "/vocab.json", merges = dir + "/merges.txt";
  std::error_code ec;
  const bool has_vocab = fs::exists(vocab, ec), has_merges = fs::exists(merges, ec);
  if (has_vocab != has_merges) {
    throw Error(dir + ": has " + (has_vocab ? "vocab.json but no merges.txt" : "merges.txt but no vocab.json") +
                "; the tokenizer needs both");
  }
  if (has_vocab) {
    m.vocabulary = read_gpt2_vocabulary(vocab, merges);
    if (static_cast<int64_t>(m.vocabulary.tokens.size()) > m.config.vocab_size) {
      throw Error(vocab + ": " + std::to_string(m.vocabulary.tokens.size()) + " tokens, more than vocab_size " +
                  std::to_string(m.config.vocab_size) + " of " + m.config_path);
    }
    // config.json is what the model was trained with; it wins.
    if (m.config.bos_token_id >= 0) m.vocabulary.bos_token = static_cast<int32_t>(m.config.bos_token_id);
    if (m.config.eos_token_id >= 0) m.vocabulary.eos_token = static_cast<int32_t>(m.config.eos_token_id);
  }
  return m;
}

}  // namespace nibble::convert::hf
