// Hugging Face GPT-2 import: the fixture checkpoint becomes the graph the
// runtime runs (op counts, shapes, options, the tied wte stored once, the
// tokenizer, sequence flags), from F32, F16, BF16 and sharded sources;
// malformed checkpoints and config.json are Errors naming the file and
// tensor or key, and leave no output behind. (The numbers the converted
// model computes are checked with the runtime, in the e2e tests.)
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "converter/convert.h"
#include "converter/hf/safetensors.h"
#include "converter/inspect/model_inspector.h"
#include "gtest/gtest.h"
#include "loader/file_layout.h"
#include "tests/converter/safetensors_builder.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

constexpr int kLayers = 4, kEmbd = 256, kVocab = 2048, kPositions = 256;

std::string fixture(const std::string& name) { return gpt2_fixture_dir() + "/" + name; }

// A converted file and lookups into it.
struct Converted {
  std::string bytes;
  const fb::Model* model = nullptr;
  convert::ConvertReport report;

  int tensor(const std::string& name) const {
    for (uint32_t t = 0; t < model->tensors()->size(); ++t) {
      if (model->tensors()->Get(t)->name()->str() == name) return static_cast<int>(t);
    }
    return -1;
  }
  int count_named(const std::string& name) const {
    int n = 0;
    for (const fb::Tensor* t : *model->tensors()) n += t->name()->str() == name;
    return n;
  }
  const fb::Operator* op(const std::string& name) const {
    for (const fb::Operator* o : *model->operators()) {
      if (o->name()->str() == name) return o;
    }
    return nullptr;
  }
  std::vector<int64_t> shape(const std::string& name) const {
    const fb::Tensor* t = model->tensors()->Get(tensor(name));
    return std::vector<int64_t>(t->shape()->begin(), t->shape()->end());
  }
  // An f32 constant's elements.
  std::vector<float> floats(const std::string& name) const {
    const fb::Tensor* t = model->tensors()->Get(tensor(name));
    EXPECT_EQ(t->codec_type(), fb::Codec::RawCodec) << name;
    const fb::Segment* s = model->segments()->Get(t->segment());
    uint32_t prefix = 0;
    std::memcpy(&prefix, bytes.data(), 4);
    const uint64_t start = data_region_offset(prefix) + s->offset();
    return floats_of(bytes.substr(start, s->size()));
  }
};

Converted convert_dir(const std::string& dir, const TempDir& out, const convert::ConvertOptions& options = {}) {
  Converted c;
  c.report = convert::convert_hf_checkpoint(dir, out.file("gpt2.nbl"), options);
  c.bytes = read_bytes(out.file("gpt2.nbl"));
  c.model = verified_model(c.bytes);
  return c;
}

// Copies the fixture's non-weight files into dir.
void copy_side_files(const TempDir& dir, bool with_tokenizer = true) {
  write_bytes(dir.file("config.json"), read_bytes(fixture("config.json")));
  if (with_tokenizer) {
    write_bytes(dir.file("vocab.json"), read_bytes(fixture("vocab.json")));
    write_bytes(dir.file("merges.txt"), read_bytes(fixture("merges.txt")));
  }
}

std::vector<float> transposed(const std::vector<float>& w, int rows, int cols) {
  std::vector<float> t(w.size());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) t[static_cast<size_t>(c) * rows + r] = w[static_cast<size_t>(r) * cols + c];
  }
  return t;
}

class Gpt2Import : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    out_ = new TempDir;
    converted_ = new Converted(convert_dir(gpt2_fixture_dir(), *out_));
  }
  static void TearDownTestSuite() {
    delete converted_;
    delete out_;
  }
  static TempDir* out_;
  static Converted* converted_;
};
TempDir* Gpt2Import::out_ = nullptr;
Converted* Gpt2Import::converted_ = nullptr;

TEST_F(Gpt2Import, OpCounts) {
  const fb::Model* m = converted_->model;
  EXPECT_EQ(count_ops(m, fb::OpCode::EMBEDDING), 2);
  EXPECT_EQ(count_ops(m, fb::OpCode::LAYER_NORM), 2 * kLayers + 1);
  EXPECT_EQ(count_ops(m, fb::OpCode::LINEAR), 4 * kLayers + 1);
  EXPECT_EQ(count_ops(m, fb::OpCode::ATTENTION), kLayers);
  EXPECT_EQ(count_ops(m, fb::OpCode::GELU), kLayers);
  EXPECT_EQ(count_ops(m, fb::OpCode::BINARY), 2 * kLayers + 1);
  EXPECT_EQ(m->operators()->size(), 45u);
  for (const fb::Operator* o : *m->operators()) {
    if (o->opcode() == fb::OpCode::BINARY) EXPECT_EQ(o->options_as_BinaryOptions()->kind(), fb::BinaryKind::ADD);
  }
  EXPECT_EQ(converted_->report.ops_out, 45);
  EXPECT_EQ(converted_->report.checkpoint_tensors, 52);
  EXPECT_EQ(converted_->report.op_counts.at("LINEAR"), 17);
}

TEST_F(Gpt2Import, InputsOutputsAndShapes) {
  const Converted& c = *converted_;
  ASSERT_EQ(c.model->inputs()->size(), 1u);
  ASSERT_EQ(c.model->outputs()->size(), 1u);
  const fb::Tensor* ids = c.model->tensors()->Get(c.model->inputs()->Get(0));
  EXPECT_EQ(ids->name()->str(), "input_ids");
  EXPECT_EQ(ids->type(), fb::ElementType::I32);
  EXPECT_EQ(c.shape("input_ids"), (std::vector<int64_t>{128}));  // min(n_positions, 128)
  const fb::Tensor* logits = c.model->tensors()->Get(c.model->outputs()->Get(0));
  EXPECT_EQ(logits->name()->str(), "logits");
  EXPECT_EQ(c.shape("logits"), (std::vector<int64_t>{128, kVocab}));
  EXPECT_EQ(c.shape("wte.weight"), (std::vector<int64_t>{kVocab, kEmbd}));
  EXPECT_EQ(c.shape("wpe.weight"), (std::vector<int64_t>{kPositions, kEmbd}));
  EXPECT_EQ(c.shape("h.0.attn.c_attn.weight"), (std::vector<int64_t>{3 * kEmbd, kEmbd}));  // [out, in]
  EXPECT_EQ(c.shape("h.0.attn.c_attn.output"), (std::vector<int64_t>{128, 3 * kEmbd}));
  EXPECT_EQ(c.shape("h.3.mlp.c_fc.weight"), (std::vector<int64_t>{4 * kEmbd, kEmbd}));
  EXPECT_EQ(c.shape("h.3.mlp.c_proj.weight"), (std::vector<int64_t>{kEmbd, 4 * kEmbd}));
  EXPECT_EQ(c.shape("h.2.attn.output"), (std::vector<int64_t>{128, kEmbd}));
  EXPECT_EQ(c.shape("ln_f.bias"), (std::vector<int64_t>{kEmbd}));
}

TEST_F(Gpt2Import, SequenceFlagOnEveryActivation) {
  int activations = 0;
  for (const fb::Tensor* t : *converted_->model->tensors()) {
    if (t->segment() >= 0) {
      EXPECT_FALSE(t->sequence()) << t->name()->str();
      continue;
    }
    ++activations;
    EXPECT_TRUE(t->sequence()) << t->name()->str();
    EXPECT_EQ(t->shape()->Get(0), 128) << t->name()->str();
  }
  EXPECT_EQ(activations, 1 + 45);  // input_ids and one output per op
}

TEST_F(Gpt2Import, Options) {
  const Converted& c = *converted_;
  const fb::Operator* wte = c.op("wte");
  const fb::Operator* wpe = c.op("wpe");
  ASSERT_TRUE(wte && wpe);
  EXPECT_FALSE(wte->options_as_EmbeddingOptions()->positional());
  EXPECT_TRUE(wpe->options_as_EmbeddingOptions()->positional());
  EXPECT_EQ(wpe->inputs()->Get(0), c.tensor("input_ids"));
  const fb::Operator* att = c.op("h.1.attn");
  ASSERT_TRUE(att);
  EXPECT_EQ(att->opcode(), fb::OpCode::ATTENTION);
  EXPECT_EQ(att->options_as_AttentionOptions()->num_heads(), 4);
  EXPECT_EQ(att->options_as_AttentionOptions()->max_positions(), kPositions);
  ASSERT_TRUE(c.op("h.2.ln_1"));
  EXPECT_FLOAT_EQ(c.op("h.2.ln_1")->options_as_LayerNormOptions()->epsilon(), 1e-5f);
  ASSERT_TRUE(c.op("h.0.mlp.act"));
  EXPECT_EQ(c.op("h.0.mlp.act")->options_as_GeluOptions()->approximation(), fb::GeluApproximation::TANH);
  const fb::Operator* head = c.op("lm_head");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->opcode(), fb::OpCode::LINEAR);
  EXPECT_EQ(head->inputs()->size(), 2u);  // no bias
  EXPECT_EQ(head->outputs()->Get(0), c.tensor("logits"));
  // The wiring of one block: pre-LayerNorm, residual adds.
  const fb::Operator* res = c.op("h.0.attn.residual");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->inputs()->Get(0), c.tensor("embeddings.output"));
  EXPECT_EQ(res->inputs()->Get(1), c.tensor("h.0.attn.c_proj.output"));
  EXPECT_EQ(c.op("h.0.ln_2")->inputs()->Get(0), c.tensor("h.0.attn.residual.output"));
  EXPECT_EQ(c.op("ln_f")->inputs()->Get(0), c.tensor("h.3.mlp.residual.output"));
}

TEST_F(Gpt2Import, TiedWteStoredOnce) {
  const Converted& c = *converted_;
  EXPECT_EQ(c.count_named("wte.weight"), 1);
  EXPECT_EQ(c.op("wte")->inputs()->Get(1), c.tensor("wte.weight"));
  EXPECT_EQ(c.op("lm_head")->inputs()->Get(1), c.tensor("wte.weight"));
  EXPECT_EQ(c.model->segments()->size(), 4u + 12u * kLayers);  // wte, wpe, ln_f (2), 12 per block
}

TEST_F(Gpt2Import, WeightsAreTheCheckpointsConv1DTransposed) {
  const auto file = convert::hf::SafetensorsFile::open(fixture("model.safetensors"));
  const std::vector<float> w = file->read_float(*file->find("h.1.mlp.c_fc.weight")).f;  // [in, out]
  EXPECT_EQ(converted_->floats("h.1.mlp.c_fc.weight"), transposed(w, kEmbd, 4 * kEmbd));
  EXPECT_EQ(converted_->floats("wte.weight"), file->read_float(*file->find("wte.weight")).f);
  EXPECT_EQ(converted_->floats("h.3.ln_2.bias"), file->read_float(*file->find("h.3.ln_2.bias")).f);
}

TEST_F(Gpt2Import, Tokenizer) {
  const fb::Tokenizer* tok = converted_->model->tokenizer();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->kind(), fb::TokenizerKind::GPT2_BPE);
  ASSERT_EQ(tok->token_offsets()->size(), static_cast<uint32_t>(kVocab + 1));
  EXPECT_EQ(tok->token_offsets()->Get(kVocab), tok->token_bytes()->size());
  EXPECT_EQ(tok->bos_token(), 0);
  EXPECT_EQ(tok->eos_token(), 0);
  std::ifstream merges(fixture("merges.txt"));
  int lines = 0;
  for (std::string line; std::getline(merges, line);) lines += !line.empty() && line[0] != '#';
  EXPECT_EQ(tok->merge_results()->size(), static_cast<uint32_t>(lines));
  EXPECT_EQ(tok->merges()->size(), 2u * static_cast<uint32_t>(lines));
}

TEST_F(Gpt2Import, InspectorDescribesTheNewOps) {
  const convert::Inspection i = convert::inspect_model_file(out_->file("gpt2.nbl"));
  EXPECT_CONTAINS(i.text, "tokenizer: GPT2_BPE, 2048 tokens");
  EXPECT_CONTAINS(i.text, "ATTENTION 'h.0.attn' h.0.attn.c_attn.output[<=128,768] -> h.0.attn.output[<=128,256]  heads=4 max_positions=256");
  EXPECT_CONTAINS(i.text, "EMBEDDING 'wpe' input_ids[<=128] I32, wpe.weight[256,256]");
  EXPECT_CONTAINS(i.text, "positional");
  EXPECT_CONTAINS(i.text, "approximation=TANH");
  EXPECT_CONTAINS(i.text, "epsilon=1e-05");
  EXPECT_EQ(i.op_counts.at("ATTENTION"), kLayers);
}

TEST(Gpt2ImportSources, ConfigJsonPathAndMaxTokens) {
  TempDir out;
  convert::ConvertOptions options;
  options.max_tokens = 256;
  const Converted c = convert_dir(fixture("config.json"), out, options);
  EXPECT_EQ(c.shape("input_ids"), (std::vector<int64_t>{256}));
  EXPECT_EQ(c.shape("logits"), (std::vector<int64_t>{256, kVocab}));
  options.max_tokens = 1;
  EXPECT_EQ(convert_dir(gpt2_fixture_dir(), out, options).shape("h.0.mlp.c_fc.output"), (std::vector<int64_t>{1, 4 * kEmbd}));
  options.max_tokens = 257;
  try {
    convert::convert_hf_checkpoint(gpt2_fixture_dir(), out.file("big.nbl"), options);
    ADD_FAILURE() << "converted";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "--max-tokens 257: must be 1..256");
  }
  EXPECT_EQ(out.list(), std::vector<std::string>{"gpt2.nbl"});
}

// F16 and BF16 checkpoints give the same graph, holding the rounded values.
TEST(Gpt2ImportSources, HalfPrecisionSources) {
  const auto f32 = convert::hf::SafetensorsFile::open(fixture("model.safetensors"));
  const std::vector<float> c_attn = f32->read_float(*f32->find("h.2.attn.c_attn.weight")).f;
  const std::vector<float> wte = f32->read_float(*f32->find("wte.weight")).f;
  for (const std::string dtype : {"F16", "BF16"}) {
    TempDir dir;
    copy_side_files(dir);
    write_bytes(dir.file("model.safetensors"), safetensors_file(fixture_entries(dtype)));
    const Converted c = convert_dir(dir.path(), dir);
    EXPECT_EQ(op_histogram(c.model), (std::vector<std::pair<std::string, int>>{
                                         {"ATTENTION", 4}, {"BINARY", 9}, {"EMBEDDING", 2}, {"GELU", 4}, {"LAYER_NORM", 9}, {"LINEAR", 17}}))
        << dtype;
    auto rounded = [&](std::vector<float> v) {
      for (float& x : v) {
        x = dtype == "F16" ? convert::hf::half_to_float(float_to_half(x)) : convert::hf::bfloat16_to_float(float_to_bfloat16(x));
      }
      return v;
    };
    EXPECT_EQ(c.floats("h.2.attn.c_attn.weight"), transposed(rounded(c_attn), kEmbd, 3 * kEmbd)) << dtype;
    EXPECT_EQ(c.floats("wte.weight"), rounded(wte)) << dtype;
    EXPECT_NE(c.floats("wte.weight"), wte) << dtype;  // rounding did happen
  }
}

TEST(Gpt2ImportSources, ShardedAndPrefixedCheckpoint) {
  TempDir single_out;
  const Converted single = convert_dir(gpt2_fixture_dir(), single_out);
  TempDir dir;
  copy_side_files(dir);
  // Keys as GPT2LMHeadModel saves them: "transformer." prefix.
  std::vector<StEntry> all = fixture_entries("F32", "transformer.");
  const size_t half = all.size() / 2;
  std::vector<StEntry> first(all.begin(), all.begin() + half), second(all.begin() + half, all.end());
  write_bytes(dir.file("model-00001-of-00002.safetensors"), safetensors_file(first));
  write_bytes(dir.file("model-00002-of-00002.safetensors"), safetensors_file(second));
  std::string index = "{\"metadata\":{},\"weight_map\":{";
  for (size_t k = 0; k < all.size(); ++k) {
    index += (k ? "," : "") + std::string("\"") + all[k].name + "\":\"model-0000" + (k < half ? "1" : "2") + "-of-00002.safetensors\"";
  }
  write_bytes(dir.file("model.safetensors.index.json"), index + "}}");
  const Converted sharded = convert_dir(dir.path(), dir);
  EXPECT_EQ(sharded.tensor("wte.weight"), single.tensor("wte.weight"));  // names without the prefix
  EXPECT_EQ(sharded.model->data_size(), single.model->data_size());
  for (const std::string name : {"wte.weight", "wpe.weight", "h.3.mlp.c_proj.weight", "ln_f.weight"}) {
    EXPECT_EQ(sharded.floats(name), single.floats(name)) << name;
  }
}

TEST(Gpt2ImportSources, LmHeadEqualToWteIsTiedOtherwiseUntied) {
  std::vector<StEntry> entries = fixture_entries("F32");
  StEntry head;
  for (const StEntry& e : entries) {
    if (e.name == "wte.weight") head = e;
  }
  head.name = "lm_head.weight";
  {
    TempDir dir;
    copy_side_files(dir, false);
    std::vector<StEntry> with_head = entries;
    with_head.push_back(head);
    write_bytes(dir.file("model.safetensors"), safetensors_file(with_head));
    const Converted c = convert_dir(dir.path(), dir);
    EXPECT_EQ(c.tensor("lm_head.weight"), -1);
    EXPECT_EQ(c.op("lm_head")->inputs()->Get(1), c.tensor("wte.weight"));
    EXPECT_EQ(c.model->tokenizer(), nullptr);  // no vocab.json / merges.txt
  }
  {
    TempDir dir;
    copy_side_files(dir, false);
    std::vector<float> w = floats_of(head.bytes);
    w[5] += 1.0f;
    head.bytes = f32_bytes(w);
    std::vector<StEntry> with_head = entries;
    with_head.push_back(head);
    write_bytes(dir.file("model.safetensors"), safetensors_file(with_head));
    const Converted c = convert_dir(dir.path(), dir);
    EXPECT_EQ(c.op("lm_head")->inputs()->Get(1), c.tensor("lm_head.weight"));
    EXPECT_EQ(c.op("wte")->inputs()->Get(1), c.tensor("wte.weight"));
    EXPECT_EQ(c.floats("lm_head.weight"), w);
  }
}

TEST(Gpt2ImportSources, NInnerAndErfGelu) {
  TempDir dir;
  std::string config = read_bytes(fixture("config.json"));
  config.replace(config.find("\"gelu_new\""), 10, "\"gelu\", \"n_inner\": 1024");
  write_bytes(dir.file("config.json"), config);
  write_bytes(dir.file("model.safetensors"), read_bytes(fixture("model.safetensors")));
  const Converted c = convert_dir(dir.path(), dir);
  EXPECT_EQ(c.op("h.3.mlp.act")->options_as_GeluOptions()->approximation(), fb::GeluApproximation::ERF);
}

// --- quantization ---------------------------------------------------------

TEST(Gpt2ImportQuant, WteEncodedOnceAndSelectable) {
  TempDir out;
  convert::ConvertOptions options;
  options.codecs = {"q4_0"};
  Converted c = convert_dir(gpt2_fixture_dir(), out, options);
  EXPECT_EQ(c.count_named("wte.weight"), 1);
  const fb::Tensor* wte = c.model->tensors()->Get(c.tensor("wte.weight"));
  EXPECT_EQ(wte->codec_type(), fb::Codec::BlockCodec);
  EXPECT_EQ(c.op("wte")->inputs()->Get(1), c.op("lm_head")->inputs()->Get(1));
  EXPECT_EQ(c.model->tensors()->Get(c.tensor("wpe.weight"))->codec_type(), fb::Codec::RawCodec);
  ASSERT_EQ(c.report.quantization.layers.size(), 17u);  // wte + 16 block LINEARs
  EXPECT_EQ(c.report.quantization.layers[0].tensor, "wte");
  EXPECT_EQ(c.report.quantization.layers[0].op, "EMBEDDING");

  options.keep = {"wte"};
  c = convert_dir(gpt2_fixture_dir(), out, options);
  EXPECT_EQ(c.model->tensors()->Get(c.tensor("wte.weight"))->codec_type(), fb::Codec::RawCodec);
  EXPECT_EQ(c.model->tensors()->Get(c.tensor("h.0.attn.c_attn.weight"))->codec_type(), fb::Codec::BlockCodec);

  options.keep.clear();
  options.codecs = {"h.*.mlp.*=q4_0", "wte=q8_0"};
  c = convert_dir(gpt2_fixture_dir(), out, options);
  EXPECT_EQ(c.model->tensors()->Get(c.tensor("wte.weight"))->codec_as_BlockCodec()->format(), fb::BlockFormat::Q8_0);
  int q4 = 0, raw_linear = 0;
  for (const fb::Operator* o : *c.model->operators()) {
    if (o->opcode() != fb::OpCode::LINEAR || o->name()->str() == "lm_head") continue;
    const fb::Tensor* w = c.model->tensors()->Get(o->inputs()->Get(1));
    const bool mlp = o->name()->str().find(".mlp.") != std::string::npos;
    if (mlp) q4 += w->codec_type() == fb::Codec::BlockCodec && w->codec_as_BlockCodec()->format() == fb::BlockFormat::Q4_0;
    if (!mlp) raw_linear += w->codec_type() == fb::Codec::RawCodec;
  }
  EXPECT_EQ(q4, 2 * kLayers);
  EXPECT_EQ(raw_linear, 2 * kLayers);
}

TEST(Gpt2ImportQuant, GptqAndCalibrationRefused) {
  TempDir out;
  convert::ConvertOptions options;
  options.codecs = {"gptq:4"};
  try {
    convert::convert_hf_checkpoint(gpt2_fixture_dir(), out.file("g.nbl"), options);
    ADD_FAILURE() << "converted";
  } catch (const convert::Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "gptq needs calibration activations, which GPT-2 import cannot provide yet");
  }
  options.codecs = {"q4_0"};
  options.calib_file = fixture("val.txt");
  EXPECT_THROW(convert::convert_hf_checkpoint(gpt2_fixture_dir(), out.file("g.nbl"), options), convert::Error);
  EXPECT_TRUE(out.list().empty());
}

// --- malformed checkpoints --------------------------------------------------

// Converts dir to dir/out.nbl expecting an Error; checks that neither the
// output nor a temporary file was left behind, and that an existing output
// is untouched. Returns the message.
std::string expect_failure(const TempDir& dir, const convert::ConvertOptions& options = {}) {
  const std::vector<std::string> before = dir.list();
  write_bytes(dir.file("out.nbl"), "previous");
  std::string message;
  try {
    convert::convert_hf_checkpoint(dir.path(), dir.file("out.nbl"), options);
    ADD_FAILURE() << "conversion succeeded";
  } catch (const convert::Error& e) {
    message = e.what();
  }
  EXPECT_EQ(read_bytes(dir.file("out.nbl")), "previous");
  ::unlink(dir.file("out.nbl").c_str());
  EXPECT_EQ(dir.list(), before);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

void write_checkpoint(const TempDir& dir, const std::vector<StEntry>& entries) {
  copy_side_files(dir);
  write_bytes(dir.file("model.safetensors"), safetensors_file(entries));
}

TEST(Gpt2ImportErrors, MissingTensor) {
  TempDir dir;
  std::vector<StEntry> entries = fixture_entries("F32");
  entries.erase(std::remove_if(entries.begin(), entries.end(), [](const StEntry& e) { return e.name == "h.2.mlp.c_fc.bias"; }),
                entries.end());
  write_checkpoint(dir, entries);
  EXPECT_CONTAINS(expect_failure(dir), "model.safetensors: tensor 'h.2.mlp.c_fc.bias' is missing");
}

TEST(Gpt2ImportErrors, WrongShape) {
  TempDir dir;
  std::vector<StEntry> entries = fixture_entries("F32");
  for (StEntry& e : entries) {
    if (e.name == "h.1.attn.c_proj.weight") e.shape = {128, 512};  // same bytes, wrong shape
  }
  write_checkpoint(dir, entries);
  EXPECT_CONTAINS(expect_failure(dir),
                  "model.safetensors: tensor 'h.1.attn.c_proj.weight' has shape [128,512], config.json implies [256,256]");
}

TEST(Gpt2ImportErrors, MalformedSafetensors) {
  struct Case {
    const char* what;
    std::string bytes;
    std::string message;
  };
  const std::string good = read_bytes(fixture("model.safetensors"));
  std::string beyond = good;
  beyond[3] = 0x01;  // 16 MiB of header: under the limit, beyond the 15 MB file
  std::string dup = safetensors_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                    std::string(8, '\0'));
  const std::vector<Case> cases = {
      {"truncated", good.substr(0, good.size() / 2), "reach past the data region"},
      {"header beyond", beyond, "truncated: the header needs 16781688 bytes"},
      {"not JSON", safetensors_raw("{not json}", ""), "(header): invalid JSON at byte"},
      {"overlap", safetensors_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                  std::string(8, '\0')),
       "tensor 'b': data_offsets [4, 8) overlap tensor 'a'"},
      {"hole", safetensors_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", std::string(8, '\0')),
       "tensor 'a': data_offsets [4, 8) leave a hole"},
      {"byte count", safetensors_raw("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", std::string(8, '\0')),
       "tensor 'a': data_offsets [0, 8) hold 8 bytes, shape [3] x F16 needs 6"},
      {"duplicate", dup, "tensor 'a' appears twice"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    copy_side_files(dir);
    write_bytes(dir.file("model.safetensors"), c.bytes);
    const std::string msg = expect_failure(dir);
    EXPECT_CONTAINS(msg, dir.file("model.safetensors"));
    EXPECT_CONTAINS(msg, c.message) << c.what;
  }
}

TEST(Gpt2ImportErrors, BadShardFileName) {
  TempDir dir;
  copy_side_files(dir);
  write_bytes(dir.file("model.safetensors.index.json"), "{\"weight_map\":{\"wte.weight\":\"../elsewhere/model.safetensors\"}}");
  EXPECT_CONTAINS(expect_failure(dir), "model.safetensors.index.json: weight_map entry 'wte.weight' names "
                                       "'../elsewhere/model.safetensors', not a plain file name");
}

TEST(Gpt2ImportErrors, MalformedConfig) {
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"{", "{,", "config.json: invalid JSON at byte"},
      {"\"n_embd\": 256,", "", "config.json: 'n_embd' is missing"},
      {"\"n_head\": 4", "\"n_head\": 5", "config.json: 'n_head' is 5, which does not divide n_embd 256"},
      {"gelu_new", "relu", "config.json: 'activation_function' is \"relu\"; supported:"},
      {"\"gpt2\"", "\"llama\"", "config.json: 'model_type' is \"llama\"; only \"gpt2\""},
      {"\"n_layer\": 4", "\"n_layer\": 4, \"add_cross_attention\": true", "'add_cross_attention' is true"},
      {"\"n_layer\": 4", "\"n_layer\": 4, \"scale_attn_by_inverse_layer_idx\": true", "'scale_attn_by_inverse_layer_idx' is true"},
      {"\"n_layer\": 4", "\"n_layer\": -4", "'n_layer' is -4, outside 1.."},
      {"\"vocab_size\": 2048", "\"vocab_size\": 2048.5", "'vocab_size' is not an integer"},
      {"\"n_head\": 4", "\"n_head\": 4, \"n_head\": 8", "config.json: 'n_head' appears twice"},
      {"\"n_layer\": 4", "\"n_layer\": 0", "'n_layer' is 0, outside 1.."},
      // Sizes whose products would overflow are refused before any product.
      {"\"n_embd\": 256", "\"n_embd\": 1099511627776", "'n_embd' is 1099511627776, outside 1.."},
      {"\"vocab_size\": 2048", "\"vocab_size\": 1e300", "'vocab_size' is not an integer"},
      {"\"n_head\": 4", "\"n_head\": \"4\"", "'n_head' is not an integer"},
  };
  const std::string config = read_bytes(fixture("config.json"));
  for (const Case& c : cases) {
    TempDir dir;
    std::string text = config;
    ASSERT_NE(text.find(c.from), std::string::npos) << c.from;
    text.replace(text.find(c.from), c.from.size(), c.to);
    write_bytes(dir.file("config.json"), text);
    write_bytes(dir.file("model.safetensors"), read_bytes(fixture("model.safetensors")));
    const std::string msg = expect_failure(dir);
    EXPECT_CONTAINS(msg, dir.file("config.json"));
    EXPECT_CONTAINS(msg, c.message);
  }
}

TEST(Gpt2ImportErrors, MissingConfig) {
  TempDir dir;
  write_bytes(dir.file("model.safetensors"), read_bytes(fixture("model.safetensors")));
  EXPECT_CONTAINS(expect_failure(dir), dir.file("config.json"));
}

TEST(Gpt2ImportErrors, ConfigNotAnObject) {
  TempDir dir;
  write_bytes(dir.file("config.json"), "[1, 2]");
  write_bytes(dir.file("model.safetensors"), read_bytes(fixture("model.safetensors")));
  EXPECT_CONTAINS(expect_failure(dir), dir.file("config.json") + ": not a JSON object");
}

TEST(Gpt2ImportErrors, UnsupportedWeightDtype) {
  TempDir dir;
  std::vector<StEntry> entries = fixture_entries("F32");
  for (StEntry& e : entries) {
    if (e.name == "h.0.ln_1.weight") e.dtype = "I32";  // same byte count as F32
  }
  write_checkpoint(dir, entries);
  EXPECT_CONTAINS(expect_failure(dir), "tensor 'h.0.ln_1.weight': dtype I32 is not supported for weights");
}

TEST(Gpt2ImportErrors, MalformedTokenizer) {
  struct Case {
    const char* file;
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"vocab.json", "{\"a\": ", "vocab.json: invalid JSON at byte"},
      {"vocab.json", "[\"a\"]", "vocab.json: expected a JSON object of token -> id"},
      {"vocab.json", "{}", "vocab.json: empty vocabulary"},
      {"vocab.json", "{\"a\": 5}", "id 5 outside 0..0"},
      {"merges.txt", "#version: 0.2\nnotapair\n", "merges.txt"},
      {"merges.txt", "#version: 0.2\nzzzzqq yyyyww\n", "is not a token of the vocabulary"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    write_checkpoint(dir, fixture_entries("F32"));
    write_bytes(dir.file(c.file), c.text);
    const std::string msg = expect_failure(dir);
    EXPECT_CONTAINS(msg, dir.file(c.file)) << c.text;
    EXPECT_CONTAINS(msg, c.message) << c.text;
  }
}

TEST(Gpt2ImportErrors, TokenizerNeedsBothFiles) {
  TempDir dir;
  write_bytes(dir.file("config.json"), read_bytes(fixture("config.json")));
  write_bytes(dir.file("vocab.json"), read_bytes(fixture("vocab.json")));
  write_bytes(dir.file("model.safetensors"), read_bytes(fixture("model.safetensors")));
  EXPECT_CONTAINS(expect_failure(dir), "has vocab.json but no merges.txt");
}

TEST(Gpt2ImportTool, ConvertsADirectory) {
  TempDir dir;
  const auto r = run_command({NIBBLE_CONVERT_BIN, gpt2_fixture_dir(), "-o", dir.file("g.nbl"), "--codec", "h.*=q8_0",
                              "--max-tokens", "64"},
                             dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "checkpoint: gpt2, 4 layers");
  EXPECT_CONTAINS(r.out, "ops: ATTENTION=4 BINARY=9 EMBEDDING=2 GELU=4 LAYER_NORM=9 LINEAR=17");
  EXPECT_CONTAINS(r.out, "input:  input_ids [64]");
  EXPECT_CONTAINS(r.out, "h.3.mlp.c_proj");
  const auto bad = run_command({NIBBLE_CONVERT_BIN, gpt2_fixture_dir(), "-o", dir.file("b.nbl"), "--max-tokens", "0"}, dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"g.nbl"});
}

}  // namespace
}  // namespace nibble::test
