// The command-line contract of `gpt2`, run as a program: generation and
// perplexity figures as one JSON object on the last stdout line, exit
// code 1 with a one-line error on bad input, 2 on bad options.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cli_runner.h"
#include "converted_model.h"
#include "converter/util/json.h"

namespace nibble {
namespace {

const std::string kFixture = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare";
const std::string kGpt2 = NIBBLE_GPT2_BIN;

using Output = testing::CliOutput;

Output run(const std::string& command) { return testing::run_cli(command); }

convert::json::Value last_json(const std::string& out) {
  std::string t = out;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return convert::json::parse(t.substr(t.find_last_of('\n') + 1), "gpt2 --json");
}

std::string reference_text(const std::string& key) {
  std::ifstream in(kFixture + "/reference.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const convert::json::Value j = convert::json::parse(text, "reference.json");
  std::string out;
  const convert::json::Value* v = j.find(key);
  if (v->is_string()) return v->text;
  for (const auto& e : v->array) out += (out.empty() ? "" : ",") + e.text;
  return out;
}

std::string ids_of(const convert::json::Value& array) {
  std::string out;
  for (const auto& e : array.array) out += (out.empty() ? "" : ",") + e.text;
  return out;
}

TEST(Gpt2Cli, GreedyJsonReproducesTheReference) {
  const std::string& model = testing::converted_gpt2();
  const Output o = run(kGpt2 + " -m " + model + " -p \"$(printf 'ROMEO:\\nBut soft, what light')\" -n 64 --json");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const convert::json::Value j = last_json(o.out);
  EXPECT_EQ(ids_of(*j.find("tokens")), reference_text("greedy_64"));
  EXPECT_EQ(ids_of(*j.find("prompt_tokens")), reference_text("prompt_ids"));
  for (const char* key : {"prefill_tok_s", "decode_tok_s", "ttft_ms", "model_bytes", "peak_rss_bytes"}) {
    double v = 0;
    ASSERT_NE(j.find(key), nullptr) << key;
    EXPECT_TRUE(j.find(key)->to_double(&v) && v > 0) << key;
  }
  // The text streams before the figures: the prompt, then the continuation.
  EXPECT_EQ(o.out.rfind("ROMEO:\nBut soft, what light", 0), 0u) << o.out.substr(0, 80);
}

TEST(Gpt2Cli, SamplingIsRepeatableWithASeed) {
  const std::string& model = testing::converted_gpt2();
  const std::string cmd = kGpt2 + " -m " + model + " -p ROMEO -n 24 --temperature 0.9 --top-k 50 --top-p 0.9 --json";
  const Output a = run(cmd + " --seed 3");
  const Output b = run(cmd + " --seed 3");
  const Output c = run(cmd + " --seed 4");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const std::string ta = ids_of(*last_json(a.out).find("tokens"));
  EXPECT_EQ(ta, ids_of(*last_json(b.out).find("tokens")));
  EXPECT_NE(ta, ids_of(*last_json(c.out).find("tokens")));
}

TEST(Gpt2Cli, PerplexityJson) {
#if NIBBLE_EMULATED
  GTEST_SKIP() << "the whole val.txt under emulation";
#endif
  const Output o = run(kGpt2 + " -m " + testing::converted_gpt2() + " --perplexity " + kFixture + "/val.txt --json");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const convert::json::Value j = last_json(o.out);
  double ppl = 0, tokens = 0;
  ASSERT_TRUE(j.find("ppl")->to_double(&ppl));
  ASSERT_TRUE(j.find("tokens")->to_double(&tokens));
  EXPECT_NEAR(ppl, 85.80702493766947, 85.807 * 1e-3);
  EXPECT_EQ(tokens, 43655);
}

TEST(Gpt2Cli, ErrorsAreOneLineWithTheirExitCode) {
  const std::string& model = testing::converted_gpt2();
  Output o = run(kGpt2 + " -p hi");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("missing -m"), std::string::npos) << o.err;
  o = run(kGpt2 + " -m " + model + " -p hi --top-p 2");
  EXPECT_EQ(o.exit_code, 2);
  o = run(kGpt2 + " -m /nonexistent/model.nbl -p hi");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("/nonexistent/model.nbl"), std::string::npos) << o.err;
  o = run(kGpt2 + " -m " + model + " -p hi -n 300");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("n_positions"), std::string::npos) << o.err;
  // An ONNX-converted image model is not a token model.
  o = run(kGpt2 + " -m " + testing::converted_fixture("resnet20_cifar10.onnx") + " -p hi");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("tokenizer"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace nibble
