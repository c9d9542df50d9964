// GPT-2 end to end: the shipped gpt2-shakespeare checkpoint, converted by
// nibble-convert and run by the runtime with its embedded tokenizer,
// against the PyTorch reference outputs (reference.json,
// reference_prompt_logits.f32): prompt logits, greedy generation through
// the key/value cache, perplexity; chunked prefill, the context limit,
// bad ids; quantized weights on the fused kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "converted_model.h"
#include "converter/util/json.h"
#include "nibble/nibble.hpp"
#include "nibble/tokenizer.hpp"

namespace nibble {
namespace {

const std::string kFixture = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Reference {
  std::string prompt;
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> greedy;
  double val_ppl = 0;
  int64_t val_tokens = 0;
  std::vector<float> prompt_logits;
};

std::vector<int32_t> ints(const convert::json::Value& array) {
  std::vector<int32_t> out;
  for (const convert::json::Value& v : array.array) {
    int64_t i = 0;
    EXPECT_TRUE(v.to_int64(&i));
    out.push_back(static_cast<int32_t>(i));
  }
  return out;
}

const Reference& reference() {
  static const Reference r = [] {
    Reference r;
    const convert::json::Value j = convert::json::parse(read_file(kFixture + "/reference.json"), "reference.json");
    r.prompt = j.find("prompt")->text;
    r.prompt_ids = ints(*j.find("prompt_ids"));
    r.greedy = ints(*j.find("greedy_64"));
    j.find("val_ppl_fp32")->to_double(&r.val_ppl);
    j.find("val_tokens")->to_int64(&r.val_tokens);
    const std::string logits = read_file(kFixture + "/reference_prompt_logits.f32");
    r.prompt_logits.resize(logits.size() / 4);
    std::memcpy(r.prompt_logits.data(), logits.data(), logits.size());
    return r;
  }();
  return r;
}

// A loaded model with a session; feed() runs ids in chunks of the model's
// rows per run, like examples/gpt2.
struct Lm {
  Model model;
  Session session;
  size_t vocab = 0;

  static Lm open(const std::string& path, const SessionOptions& options = {}) {
    Result<Model> model = Model::load_file(path.c_str());
    EXPECT_TRUE(model.is_ok()) << model.status().message();
    Result<Session> session = Session::create(model.value(), options);
    EXPECT_TRUE(session.is_ok()) << session.status().message();
    Lm lm{std::move(model.value()), std::move(session.value()), 0};
    lm.vocab = static_cast<size_t>(lm.model.output(0).dims[1]);
    return lm;
  }

  // Every row's logits if `all`, else only the last row's.
  std::vector<float> feed(const std::vector<int32_t>& ids, bool all = false) {
    std::vector<float> out;
    const size_t step = static_cast<size_t>(model.max_sequence_length());
    for (size_t start = 0; start < ids.size(); start += step) {
      const size_t rows = std::min(step, ids.size() - start);
      Status s = session.set_input_ids(0, ids.data() + start, rows);
      if (s.is_ok()) s = session.run();
      EXPECT_TRUE(s.is_ok()) << s.message();
      if (!s.is_ok()) return {};
      const float* logits = session.output_data(0);
      if (all) {
        out.insert(out.end(), logits, logits + rows * vocab);
      } else {
        out.assign(logits + (rows - 1) * vocab, logits + rows * vocab);
      }
    }
    return out;
  }
};

int32_t argmax(const std::vector<float>& v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Perplexity protocol of the fixture's README: non-overlapping windows of
// n_positions tokens, every token but the first predicted once.
double perplexity(Lm& lm, const std::vector<int32_t>& tokens, size_t* predicted) {
  const size_t window = static_cast<size_t>(lm.session.max_positions());
  double total = 0;
  *predicted = 0;
  for (size_t s = 0; s + 1 < tokens.size(); s += window) {
    const size_t n = std::min(window, tokens.size() - 1 - s);
    lm.session.reset();
    const std::vector<float> logits = lm.feed(std::vector<int32_t>(tokens.begin() + s, tokens.begin() + s + n), true);
    if (logits.size() != n * lm.vocab) return NAN;
    for (size_t r = 0; r < n; ++r) {
      const float* row = logits.data() + r * lm.vocab;
      double max_logit = row[0];
      for (size_t v = 1; v < lm.vocab; ++v) max_logit = std::max<double>(max_logit, row[v]);
      double sum = 0;
      for (size_t v = 0; v < lm.vocab; ++v) sum += std::exp(row[v] - max_logit);
      total += max_logit + std::log(sum) - row[tokens[s + r + 1]];
      ++*predicted;
    }
  }
  return std::exp(total / static_cast<double>(*predicted));
}

std::vector<int32_t> val_tokens(const Model& model) {
  Result<Tokenizer> tokenizer = Tokenizer::from_model(model);
  EXPECT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  const std::string text = read_file(kFixture + "/val.txt");
  std::vector<int32_t> ids(text.size());
  size_t count = 0;
  EXPECT_TRUE(tokenizer->encode(text.data(), text.size(), ids.data(), ids.size(), &count).is_ok());
  ids.resize(count);
  return ids;
}

class Gpt2Backend : public ::testing::TestWithParam<Backend> {};

TEST_P(Gpt2Backend, PromptLogitsMatchPyTorch) {
  SessionOptions options;
  options.backend = GetParam();
  Lm lm = Lm::open(testing::converted_gpt2(), options);
  // The embedded tokenizer gives the reference's prompt ids.
  Result<Tokenizer> tokenizer = Tokenizer::from_model(lm.model);
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  std::vector<int32_t> ids(reference().prompt.size());
  size_t count = 0;
  ASSERT_TRUE(tokenizer->encode(reference().prompt.data(), reference().prompt.size(), ids.data(), ids.size(), &count)
                  .is_ok());
  ids.resize(count);
  EXPECT_EQ(ids, reference().prompt_ids);

  const std::vector<float> logits = lm.feed(reference().prompt_ids);
  ASSERT_EQ(logits.size(), reference().prompt_logits.size());
  float worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, std::fabs(logits[i] - reference().prompt_logits[i]));
  EXPECT_LE(worst, 1e-4f);
  EXPECT_EQ(lm.session.position(), static_cast<int64_t>(ids.size()));
}

TEST_P(Gpt2Backend, GreedyGenerationThroughTheCacheReproducesTheReference) {
  SessionOptions options;
  options.backend = GetParam();
  Lm lm = Lm::open(testing::converted_gpt2(), options);
  std::vector<float> logits = lm.feed(reference().prompt_ids);
  std::vector<int32_t> generated;
  while (generated.size() < reference().greedy.size()) {
    generated.push_back(argmax(logits));
    logits = lm.feed({generated.back()});
  }
  EXPECT_EQ(generated, reference().greedy);
}

INSTANTIATE_TEST_SUITE_P(Backends, Gpt2Backend, ::testing::Values(Backend::kDefault, Backend::kReference),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(backend_name(info.param));
                         });

TEST(Gpt2, PerplexityMatchesTheReference) {
#if NIBBLE_EMULATED
  // 43,655 tokens take minutes under qemu; the logits and greedy tests
  // check this build's numbers, the native build the perplexity.
  GTEST_SKIP() << "the whole val.txt under emulation";
#endif
  Lm lm = Lm::open(testing::converted_gpt2());
  const std::vector<int32_t> tokens = val_tokens(lm.model);
  size_t predicted = 0;
  const double ppl = perplexity(lm, tokens, &predicted);
  EXPECT_EQ(static_cast<int64_t>(predicted), reference().val_tokens);
  EXPECT_NEAR(ppl, reference().val_ppl, reference().val_ppl * 1e-3);
}

TEST(Gpt2, ChunkedPrefillEqualsOneRun) {
  // 4 rows per run: the 9-token prompt goes in as 4 + 4 + 1.
  Lm chunked = Lm::open(testing::converted_gpt2("", 4));
  EXPECT_EQ(chunked.model.max_sequence_length(), 4);
  const std::vector<float> a = chunked.feed(reference().prompt_ids);
  Lm whole = Lm::open(testing::converted_gpt2());
  const std::vector<float> b = whole.feed(reference().prompt_ids);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4f) << i;
  EXPECT_EQ(chunked.session.position(), 9);
}

TEST(Gpt2, ContextLimitIsAClearErrorAndResetStartsOver) {
  Lm lm = Lm::open(testing::converted_gpt2());
  EXPECT_EQ(lm.session.max_positions(), 256);
  std::vector<int32_t> ids(256, 10);
  lm.feed(ids);
  ASSERT_EQ(lm.session.position(), 256);
  ASSERT_TRUE(lm.session.set_input_ids(0, ids.data(), 1).is_ok());
  const Status full = lm.session.run();
  EXPECT_EQ(full.code(), StatusCode::kOutOfRange);
  EXPECT_NE(std::strstr(full.message(), "n_positions"), nullptr) << full.message();
  EXPECT_EQ(lm.session.position(), 256);  // nothing ran
  lm.session.reset();
  EXPECT_EQ(lm.session.position(), 0);
  const std::vector<float> logits = lm.feed(reference().prompt_ids);
  ASSERT_EQ(logits.size(), reference().prompt_logits.size());
  EXPECT_NEAR(logits[7], reference().prompt_logits[7], 1e-4f);
}

TEST(Gpt2, TokenIdOutsideTheVocabularyIsAnError) {
  Lm lm = Lm::open(testing::converted_gpt2());
  const int32_t ids[3] = {10, 2048, 11};
  ASSERT_TRUE(lm.session.set_input_ids(0, ids, 3).is_ok());
  const Status s = lm.session.run();
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_NE(std::strstr(s.message(), "token id 2048"), nullptr) << s.message();
  EXPECT_EQ(lm.session.position(), 0);
}

// Quantized weights: every LINEAR (and the tied lm_head) on the fused
// kernels; results independent of the thread count; perplexity over the
// first 2048 validation tokens (one window of 256 under emulation) close to
// FP32's on the same tokens.
struct QuantCase {
  const char* codec;
  ActivationPrecision activations;
  double max_ppl_increase;  // relative to FP32
};

class Gpt2Quantized : public ::testing::TestWithParam<QuantCase> {};

TEST_P(Gpt2Quantized, RunsFusedAndStaysCloseToFp32) {
  const QuantCase& c = GetParam();
  SessionOptions options;
  options.activation_precision = c.activations;
  Lm lm = Lm::open(testing::converted_gpt2(c.codec), options);
  EXPECT_EQ(lm.session.num_fused_ops(), 17u);  // 16 block LINEARs + lm_head
  std::vector<int32_t> tokens = val_tokens(lm.model);
#if NIBBLE_EMULATED
  tokens.resize(257);  // one window: the kernels' numbers, in minutes less under qemu
#else
  tokens.resize(2048);
#endif
  size_t n = 0;
  const double ppl = perplexity(lm, tokens, &n);
  // FP32 on the same tokens: computed once per process (ctest runs each
  // case in its own, a whole-binary run shares it).
  static const double base = [&] {
    Lm fp32 = Lm::open(testing::converted_gpt2());
    size_t count = 0;
    return perplexity(fp32, tokens, &count);
  }();
  EXPECT_LE(ppl, base * (1 + c.max_ppl_increase)) << c.codec << ": " << ppl << " vs FP32 " << base;

  options.num_threads = 2;
  Lm two = Lm::open(testing::converted_gpt2(c.codec), options);
  lm.session.reset();
  EXPECT_EQ(lm.feed(reference().prompt_ids, true), two.feed(reference().prompt_ids, true));
}

INSTANTIATE_TEST_SUITE_P(Codecs, Gpt2Quantized,
                         ::testing::Values(QuantCase{"q8_0", ActivationPrecision::kF32, 0.005},
                                           QuantCase{"q8_0", ActivationPrecision::kInt8, 0.01},
                                           QuantCase{"q4_0", ActivationPrecision::kF32, 0.03},
                                           QuantCase{"q4_0", ActivationPrecision::kInt8, 0.04}),
                         [](const ::testing::TestParamInfo<QuantCase>& info) {
                           return std::string(info.param.codec) +
                                  (info.param.activations == ActivationPrecision::kInt8 ? "_int8" : "_f32");
                         });

}  // namespace
}  // namespace nibble
