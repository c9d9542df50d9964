// Each rule of verify_tokenizer / verify_tokenizer_data rejects its own
// breakage with its own code and a message naming it; the file form
// (fb::Tokenizer) adds the pair-count rules and the kind.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "loader/tokenizer_verifier.h"
#include "schema/nibble_generated.h"
#include "tokenizer_test_util.h"

namespace nibble {
namespace {

using testing::byte_level_tokenizer;
using testing::data_of;
using testing::TokenizerTable;

struct BrokenCase {
  const char* name;
  std::function<void(TokenizerTable*)> breakage;
  StatusCode code;
  const char* message_part;
};

void expect_rejected(const BrokenCase& c, const Status& status) {
  EXPECT_EQ(status.code(), c.code) << c.name << ": " << status.message();
  EXPECT_NE(std::strstr(status.message(), c.message_part), nullptr) << c.name << ": " << status.message();
}

const BrokenCase kDataCases[] = {
    {"no tokens", [](TokenizerTable* t) { t->token_offsets = {0}; t->token_bytes.clear(); }, StatusCode::kMalformed,
     "no tokens"},
    {"first offset not 0", [](TokenizerTable* t) { t->token_offsets[0] = 1; }, StatusCode::kMalformed,
     "token_offsets[0]"},
    {"offsets decrease", [](TokenizerTable* t) { t->token_offsets[10] = 20; }, StatusCode::kMalformed, "decrease"},
    {"offsets end short", [](TokenizerTable* t) { t->token_bytes.push_back('x'); }, StatusCode::kOutOfRange,
     "token_offsets end"},
    {"offsets end past bytes", [](TokenizerTable* t) { t->token_offsets.back() += 5; }, StatusCode::kOutOfRange,
     "token_offsets end"},
    {"a byte without a token", [](TokenizerTable* t) { t->token_bytes[200] = 201; }, StatusCode::kMalformed,
     "single byte 0xC8"},
    {"merge left out of range", [](TokenizerTable* t) { t->merges[0] = 258; }, StatusCode::kOutOfRange,
     "merge 0"},
    {"merge right negative", [](TokenizerTable* t) { t->merges[3] = -1; }, StatusCode::kOutOfRange, "merge 1"},
    {"merge result out of range", [](TokenizerTable* t) { t->merge_results[1] = 1 << 30; },
     StatusCode::kOutOfRange, "merge 1"},
    {"merge result bytes differ", [](TokenizerTable* t) { t->merges[1] = 'c'; }, StatusCode::kMalformed,
     "not the bytes of token 97 followed by token 99"},
    {"merge result right length, wrong order", [](TokenizerTable* t) { std::swap(t->merges[0], t->merges[1]); },
     StatusCode::kMalformed, "merge 0"},
    {"bos out of range", [](TokenizerTable* t) { t->bos = 258; }, StatusCode::kOutOfRange, "bos token 258"},
    {"eos below -1", [](TokenizerTable* t) { t->eos = -2; }, StatusCode::kOutOfRange, "eos token -2"},
};

TEST(TokenizerVerifier, AcceptsTheByteLevelTable) {
  TokenizerTable t = byte_level_tokenizer();
  Status status = verify_tokenizer_data(data_of(t));
  EXPECT_TRUE(status.is_ok()) << status.message();
}

TEST(TokenizerVerifier, EachDataRuleGivesItsError) {
  for (const BrokenCase& c : kDataCases) {
    TokenizerTable t = byte_level_tokenizer();
    c.breakage(&t);
    expect_rejected(c, verify_tokenizer_data(data_of(t)));
    // Tokenizer::create runs the same check.
    Result<Tokenizer> created = Tokenizer::create(data_of(t));
    ASSERT_FALSE(created.is_ok()) << c.name;
    expect_rejected(c, created.status());
  }
}

TEST(TokenizerVerifier, RejectsCountsAboveTheLimits) {
  TokenizerTable t = byte_level_tokenizer();
  TokenizerData d = data_of(t);
  d.num_tokens = kMaxTokenizerTokens + 1;  // checked before any offset is read
  EXPECT_EQ(verify_tokenizer_data(d).code(), StatusCode::kOverflow);
  d = data_of(t);
  d.num_merges = kMaxTokenizerMerges + 1;
  EXPECT_EQ(verify_tokenizer_data(d).code(), StatusCode::kOverflow);
}

TEST(TokenizerVerifier, RejectsMissingArrays) {
  TokenizerTable t = byte_level_tokenizer();
  TokenizerData d = data_of(t);
  d.token_offsets = nullptr;
  EXPECT_EQ(verify_tokenizer_data(d).code(), StatusCode::kMalformed);
  d = data_of(t);
  d.merges = nullptr;
  EXPECT_EQ(verify_tokenizer_data(d).code(), StatusCode::kMalformed);
  d = data_of(t);
  d.token_bytes = nullptr;
  EXPECT_EQ(verify_tokenizer_data(d).code(), StatusCode::kMalformed);
}

// The file form: a real FlatBuffers table, as the loader sees it.
Status verify_file_table(const TokenizerTable& t) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateTokenizerDirect(b, static_cast<fb::TokenizerKind>(t.kind), &t.token_bytes, &t.token_offsets,
                                     &t.merges, &t.merge_results, t.bos, t.eos));
  return verify_tokenizer(flatbuffers::GetRoot<fb::Tokenizer>(b.GetBufferPointer()));
}

TEST(TokenizerVerifier, FileTableRules) {
  EXPECT_TRUE(verify_tokenizer(nullptr).is_ok());  // no tokenizer at all
  EXPECT_TRUE(verify_file_table(byte_level_tokenizer()).is_ok());
  const BrokenCase file_cases[] = {
      {"unknown kind", [](TokenizerTable* t) { t->kind = 7; }, StatusCode::kUnsupported, "kind 7"},
      {"odd merge ids", [](TokenizerTable* t) { t->merges.push_back(1); }, StatusCode::kMalformed,
       "not a whole number of pairs"},
      {"results per pair", [](TokenizerTable* t) { t->merge_results.push_back(256); }, StatusCode::kMalformed,
       "2 merge pairs but 3 merge_results"},
      {"no offsets", [](TokenizerTable* t) { t->token_offsets.clear(); }, StatusCode::kMalformed, "no token_offsets"},
  };
  for (const BrokenCase& c : file_cases) {
    TokenizerTable t = byte_level_tokenizer();
    c.breakage(&t);
    expect_rejected(c, verify_file_table(t));
  }
  for (const BrokenCase& c : kDataCases) {
    TokenizerTable t = byte_level_tokenizer();
    c.breakage(&t);
    expect_rejected(c, verify_file_table(t));
  }
}

}  // namespace
}  // namespace nibble
