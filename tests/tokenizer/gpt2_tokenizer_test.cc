// The fixture vocabulary (tests/fixtures/gpt2-shakespeare, read by the
// converter's read_gpt2_vocabulary) through the runtime tokenizer: the
// reference prompt, the whole validation text, and the ids that
// tools/gpt2_bpe_reference.py (the classic GPT-2 encoder) computed for
// the strings of gpt2_reference_cases.h; decode(encode(s)) == s for them,
// for invalid UTF-8 and for random bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "converter/hf/gpt2_vocab.h"
#include "converter/util/json.h"
#include "gpt2_reference_cases.h"
#include "nibble/tokenizer.hpp"

namespace nibble {
namespace {

const std::string kFixture = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The vocabulary as flat arrays, kept alive for the tokenizer.
class Gpt2Fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vocab_ = new convert::BpeVocabulary(
        convert::read_gpt2_vocabulary(kFixture + "vocab.json", kFixture + "merges.txt"));
    offsets_ = new std::vector<uint32_t>{0};
    bytes_ = new std::vector<uint8_t>;
    for (const std::string& token : vocab_->tokens) {
      bytes_->insert(bytes_->end(), token.begin(), token.end());
      offsets_->push_back(static_cast<uint32_t>(bytes_->size()));
    }
    merges_ = new std::vector<int32_t>;
    for (const auto& [left, right] : vocab_->merges) {
      merges_->push_back(left);
      merges_->push_back(right);
    }
    TokenizerData d;
    d.token_bytes = bytes_->data();
    d.num_token_bytes = bytes_->size();
    d.token_offsets = offsets_->data();
    d.num_tokens = vocab_->tokens.size();
    d.merges = merges_->data();
    d.merge_results = vocab_->merge_results.data();
    d.num_merges = vocab_->merge_results.size();
    Result<Tokenizer> created = Tokenizer::create(d);
    ASSERT_TRUE(created.is_ok()) << created.status().message();
    tokenizer_ = new Tokenizer(std::move(created.value()));
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete merges_;
    delete bytes_;
    delete offsets_;
    delete vocab_;
  }

  static std::vector<int32_t> encode(const std::string& text) {
    std::vector<int32_t> ids(text.size());
    size_t count = 0;
    Status status = tokenizer_->encode(text.data(), text.size(), ids.data(), ids.size(), &count);
    EXPECT_TRUE(status.is_ok()) << status.message();
    ids.resize(count);
    return ids;
  }

  static std::string decode(const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids) {
      size_t length = 0;
      const char* bytes = tokenizer_->token_bytes(id, &length);
      EXPECT_NE(bytes, nullptr) << id;
      if (bytes != nullptr) out.append(bytes, length);
    }
    std::string whole(out.size(), '\0');
    size_t length = 0;
    Status status = tokenizer_->decode(ids.data(), ids.size(), whole.data(), whole.size(), &length);
    EXPECT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(whole, out);  // decode == the streamed token bytes
    return whole;
  }

  static convert::BpeVocabulary* vocab_;
  static std::vector<uint32_t>* offsets_;
  static std::vector<uint8_t>* bytes_;
  static std::vector<int32_t>* merges_;
  static Tokenizer* tokenizer_;
};

convert::BpeVocabulary* Gpt2Fixture::vocab_ = nullptr;
std::vector<uint32_t>* Gpt2Fixture::offsets_ = nullptr;
std::vector<uint8_t>* Gpt2Fixture::bytes_ = nullptr;
std::vector<int32_t>* Gpt2Fixture::merges_ = nullptr;
Tokenizer* Gpt2Fixture::tokenizer_ = nullptr;

TEST_F(Gpt2Fixture, PromptEncodesToReferenceIds) {
  convert::json::Value reference = convert::json::parse(read_text(kFixture + "reference.json"), "reference.json");
  const convert::json::Value* prompt = reference.find("prompt");
  const convert::json::Value* prompt_ids = reference.find("prompt_ids");
  ASSERT_NE(prompt, nullptr);
  ASSERT_NE(prompt_ids, nullptr);
  std::vector<int32_t> expected;
  for (const convert::json::Value& v : prompt_ids->array) {
    int64_t id = 0;
    ASSERT_TRUE(v.to_int64(&id));
    expected.push_back(static_cast<int32_t>(id));
  }
  EXPECT_EQ(encode(prompt->text), expected);
  EXPECT_EQ(expected, (std::vector<int32_t>{812, 58, 10, 450, 365, 1067, 44, 435, 1266}));
}

// reference.json: val_tokens 43,655 predicted tokens = N - 1.
TEST_F(Gpt2Fixture, ValidationTextIs43656Tokens) {
  const std::string val = read_text(kFixture + "val.txt");
  ASSERT_EQ(val.size(), 111606u);
  const std::vector<int32_t> ids = encode(val);
  EXPECT_EQ(ids.size(), 43656u);
  EXPECT_EQ(decode(ids), val);
}

TEST_F(Gpt2Fixture, ReferenceCasesMatchClassicGpt2Encoder) {
  ASSERT_GE(gpt2_reference_cases().size(), 60u);
  for (const Gpt2ReferenceCase& c : gpt2_reference_cases()) {
    const std::vector<int32_t> ids = encode(c.text);
    EXPECT_EQ(ids, c.ids) << "text: \"" << c.text << "\"";
    EXPECT_EQ(decode(ids), c.text);
  }
}

TEST_F(Gpt2Fixture, InvalidUtf8RoundTrips) {
  const std::vector<std::string> texts = {
      "\x80",                    // lone continuation byte
      "abc\xbf\xbf def",         // continuations after letters
      "caf\xc3",                 // truncated 2-byte sequence at the end
      "\xe2\x82 euro",           // truncated 3-byte sequence
      "\xf0\x9f\x98 smile",      // truncated 4-byte sequence
      "\xc0\xaf slash",          // overlong "/"
      "\xe0\x80\xaf",            // overlong 3-byte
      "\xed\xa0\x80 surrogate",  // UTF-8 of U+D800
      "\xf4\x90\x80\x80",        // above U+10FFFF
      "\xff\xfe\xfd",            // never-valid bytes
      " \xff a \xff\xff  \n\xff",
      std::string("nul\0byte", 8),
  };
  for (const std::string& text : texts) {
    const std::vector<int32_t> ids = encode(text);
    EXPECT_LE(ids.size(), text.size());
    EXPECT_EQ(decode(ids), text);
  }
}

TEST_F(Gpt2Fixture, RandomBytesRoundTrip) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    std::string text(rng() % 200, '\0');
    for (char& ch : text) {
      // Half the time ASCII letters/spaces (so merges fire), else any byte.
      const uint32_t r = rng();
      ch = (r & 1) ? " etaoinshrdlu'\n"[(r >> 1) % 15] : static_cast<char>(r >> 8);
    }
    const std::vector<int32_t> ids = encode(text);
    EXPECT_LE(ids.size(), text.size());
    EXPECT_EQ(decode(ids), text) << "trial " << trial;
  }
}

}  // namespace
}  // namespace nibble
