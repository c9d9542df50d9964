// nibble::Tokenizer over small hand-made vocabularies: encode/decode
// results and errors, capacity handling, round trips of arbitrary bytes,
// GPT-2's one-pass-per-rank merging, loading from a model file, and that
// all scratch memory goes back to the caller's allocator.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nibble/tokenizer.hpp"
#include "tokenizer_test_util.h"

namespace nibble {
namespace {

using testing::byte_level_tokenizer;
using testing::data_of;
using testing::TokenizerTable;

std::vector<int32_t> encode(const Tokenizer& t, const std::string& text) {
  std::vector<int32_t> ids(text.size());
  size_t count = 0;
  Status status = t.encode(text.data(), text.size(), ids.data(), ids.size(), &count);
  EXPECT_TRUE(status.is_ok()) << status.message();
  ids.resize(count);
  return ids;
}

std::string decode(const Tokenizer& t, const std::vector<int32_t>& ids) {
  size_t length = 0;
  Status measured = t.decode(ids.data(), ids.size(), nullptr, 0, &length);
  EXPECT_TRUE(measured.is_ok() || measured.code() == StatusCode::kOutOfRange) << measured.message();
  std::string out(length, '\0');
  Status status = t.decode(ids.data(), ids.size(), out.data(), out.size(), &length);
  EXPECT_TRUE(status.is_ok()) << status.message();
  out.resize(length);
  return out;
}

class ByteLevel : public ::testing::Test {
 protected:
  TokenizerTable table_ = byte_level_tokenizer();
  Tokenizer tokenizer_ = std::move(Tokenizer::create(data_of(table_)).value());
};

TEST_F(ByteLevel, EncodesByLowestRankWithinPieces) {
  EXPECT_EQ(encode(tokenizer_, "abc"), (std::vector<int32_t>{257}));
  EXPECT_EQ(encode(tokenizer_, "abab"), (std::vector<int32_t>{256, 256}));
  // " abc" is one piece; "ab" then "c" merge in rank order.
  EXPECT_EQ(encode(tokenizer_, "x abc"), (std::vector<int32_t>{'x', ' ', 257}));
  // "a.b" is three pieces: no merge crosses a piece boundary.
  EXPECT_EQ(encode(tokenizer_, "a.bc"), (std::vector<int32_t>{'a', '.', 'b', 'c'}));
  EXPECT_TRUE(encode(tokenizer_, "").empty());
  EXPECT_EQ(tokenizer_.vocab_size(), 258u);
  EXPECT_EQ(tokenizer_.bos(), -1);
  EXPECT_EQ(tokenizer_.eos(), 257);
}

TEST_F(ByteLevel, TokenBytes) {
  size_t length = 0;
  const char* bytes = tokenizer_.token_bytes(257, &length);
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(std::string(bytes, length), "abc");
  EXPECT_EQ(tokenizer_.token_bytes(258, &length), nullptr);
  EXPECT_EQ(length, 0u);
  EXPECT_EQ(tokenizer_.token_bytes(-1, &length), nullptr);
}

TEST_F(ByteLevel, EncodeReportsTheCountNeeded) {
  const std::string text = "ab ab ab";  // "ab", " ab" -> ' ', "ab": 5 tokens
  std::vector<int32_t> ids(2, -7);
  size_t count = 0;
  Status status = tokenizer_.encode(text.data(), text.size(), ids.data(), ids.size(), &count);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(ids, (std::vector<int32_t>{256, ' '}));  // what fits is written
  EXPECT_EQ(tokenizer_.encode(text.data(), text.size(), nullptr, 0, &count).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(count, 5u);
}

TEST_F(ByteLevel, ArgumentErrors) {
  size_t count = 0;
  int32_t id = 0;
  EXPECT_EQ(tokenizer_.encode(nullptr, 3, &id, 1, &count).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokenizer_.encode("a", 1, nullptr, 1, &count).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokenizer_.encode("a", 1, &id, 1, nullptr).code(), StatusCode::kInvalidArgument);
  char out[4];
  EXPECT_EQ(tokenizer_.decode(nullptr, 1, out, 4, &count).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokenizer_.decode(&id, 1, nullptr, 4, &count).code(), StatusCode::kInvalidArgument);
}

TEST_F(ByteLevel, DecodeErrors) {
  const int32_t ids[] = {'h', 257, 9000};
  char out[16];
  size_t length = 0;
  Status status = tokenizer_.decode(ids, 3, out, sizeof(out), &length);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_NE(std::strstr(status.message(), "ids[2] = 9000"), nullptr) << status.message();
  status = tokenizer_.decode(ids, 2, out, 2, &length);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(length, 4u);
  EXPECT_EQ(std::string(out, 2), "ha");
}

TEST_F(ByteLevel, RoundTripsRandomBytes) {
  std::mt19937 rng(6);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text(rng() % 64, '\0');
    // Mostly the interesting bytes: ASCII letters/space/quote, UTF-8 leads
    // and continuations, and anything.
    const char alphabet[] = "abc 'st\n\t\xc3\xa9\xe2\x80\x82\xf0\x9f\xed\xff\xc0";
    for (char& ch : text) {
      ch = rng() % 3 == 0 ? static_cast<char>(rng()) : alphabet[rng() % (sizeof(alphabet) - 1)];
    }
    EXPECT_EQ(decode(tokenizer_, encode(tokenizer_, text)), text) << "trial " << trial;
  }
}

// GPT-2 joins every occurrence of the lowest-ranked pair before looking
// at the pairs those joins create, even a created pair of lower rank.
// Here rank 0 is ("ab", "a") and rank 1 ("a", "b"): "abab" becomes
// "ab" "ab" (GPT-2), not "aba" "b" (a heap that never defers).
// tools/gpt2_bpe_reference.py's encoder gives the same on this table.
TEST(TokenizerMerging, OnePassPerRankAsGpt2) {
  TokenizerTable t = byte_level_tokenizer();
  t.token_bytes.resize(t.token_offsets[256]);
  t.token_offsets.resize(257);
  for (const char* extra : {"ab", "aba"}) {
    t.token_bytes.insert(t.token_bytes.end(), extra, extra + std::strlen(extra));
    t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
  }
  t.merges = {256, 'a', 'a', 'b'};
  t.merge_results = {257, 256};
  t.eos = -1;
  Result<Tokenizer> tokenizer = Tokenizer::create(data_of(t));
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  EXPECT_EQ(encode(*tokenizer, "abab"), (std::vector<int32_t>{256, 256}));
  EXPECT_EQ(encode(*tokenizer, "aba"), (std::vector<int32_t>{257}));  // "ab" then ("ab", "a")
}

// A duplicated pair: only its first (lowest) rank can apply.
TEST(TokenizerMerging, DuplicatePairKeepsLowestRank) {
  TokenizerTable t = byte_level_tokenizer();
  t.merges = {'a', 'b', 256, 'c', 'a', 'b'};
  t.merge_results = {256, 257, 256};
  Result<Tokenizer> tokenizer = Tokenizer::create(data_of(t));
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  EXPECT_EQ(encode(*tokenizer, "abc"), (std::vector<int32_t>{257}));
}

// A 1 MB word of letters: one piece, BPE'd in O(n log n) (GPT-2's O(n^2)
// rescans would take hours). Asserts the result, not the time.
TEST_F(ByteLevel, LongWordOfLetters) {
  std::string text;
  for (int i = 0; i < (1 << 20) / 4; ++i) text += "abcd";
  const std::vector<int32_t> ids = encode(tokenizer_, text);
  ASSERT_EQ(ids.size(), text.size() / 2);
  for (size_t i = 0; i < ids.size(); i += 2) {
    ASSERT_EQ(ids[i], 257);
    ASSERT_EQ(ids[i + 1], 'd');
  }
}

struct CountingAllocator {
  int live = 0;
  int total = 0;
  static void* allocate(void* context, size_t bytes, size_t alignment) {
    auto* self = static_cast<CountingAllocator*>(context);
    ++self->live;
    ++self->total;
    return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  }
  static void deallocate(void* context, void* p) {
    --static_cast<CountingAllocator*>(context)->live;
    std::free(p);
  }
  Allocator allocator() { return Allocator{allocate, deallocate, this}; }
};

TEST(TokenizerMemory, EverythingGoesBackToTheCallersAllocator) {
  CountingAllocator counter;
  const Allocator a = counter.allocator();
  TokenizerTable t = byte_level_tokenizer();
  {
    Result<Tokenizer> tokenizer = Tokenizer::create(data_of(t), &a);
    ASSERT_TRUE(tokenizer.is_ok());
    const int after_create = counter.total;
    EXPECT_GT(after_create, 0);
    // Words of up to 16 bytes are merged in stack scratch.
    EXPECT_EQ(encode(*tokenizer, "abc abc"), (std::vector<int32_t>{257, ' ', 257}));
    EXPECT_EQ(counter.total, after_create);
    // A longer one takes one block for the call and gives it back.
    EXPECT_EQ(encode(*tokenizer, "ababababababababab"), std::vector<int32_t>(9, 256));
    EXPECT_EQ(counter.total, after_create + 1);
    EXPECT_EQ(counter.live, after_create);
    Tokenizer moved = std::move(tokenizer.value());
    EXPECT_EQ(encode(moved, "ab"), (std::vector<int32_t>{256}));
  }
  EXPECT_EQ(counter.live, 0);
}

TEST(TokenizerFromModel, ReadsTheFilesTable) {
  testing::Knobs k;
  k.write_tokenizer = true;
  k.tokenizer = byte_level_tokenizer();
  testing::AlignedImage image = testing::aligned_copy(testing::build_model(k));
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  Result<Tokenizer> tokenizer = Tokenizer::from_model(*model);
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  EXPECT_EQ(tokenizer->vocab_size(), 258u);
  EXPECT_EQ(tokenizer->eos(), 257);
  EXPECT_EQ(encode(*tokenizer, "abc ab"), (std::vector<int32_t>{257, ' ', 256}));
}

TEST(TokenizerFromModel, FileWithoutTokenizerIsUnsupported) {
  testing::AlignedImage image = testing::aligned_copy(testing::build_model());
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  Result<Tokenizer> tokenizer = Tokenizer::from_model(*model);
  ASSERT_FALSE(tokenizer.is_ok());
  EXPECT_EQ(tokenizer.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(std::strstr(tokenizer.status().message(), "no tokenizer"), nullptr);
}

}  // namespace
}  // namespace nibble
