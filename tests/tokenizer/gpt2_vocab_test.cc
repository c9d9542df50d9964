// read_gpt2_vocabulary: the fixture's vocabulary as raw bytes, and each
// malformed vocab.json / merges.txt rejected with the file and the line
// or token named.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "converter/convert.h"
#include "converter/hf/gpt2_vocab.h"
#include "support/temp_path.h"

namespace nibble::convert {
namespace {

const std::string kFixture = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare/";

TEST(Gpt2Vocabulary, ReadsTheFixture) {
  BpeVocabulary v = read_gpt2_vocabulary(kFixture + "vocab.json", kFixture + "merges.txt");
  ASSERT_EQ(v.tokens.size(), 2048u);
  EXPECT_EQ(v.merges.size(), 1792u);
  EXPECT_EQ(v.merge_results.size(), 1792u);
  // The fixture numbers its byte tokens by byte value: "Ā" (U+0100) is
  // byte 0, "!" byte 33, "Ġ" (U+0120) the space.
  EXPECT_EQ(v.tokens[0], std::string(1, '\0'));
  EXPECT_EQ(v.tokens[33], "!");
  EXPECT_EQ(v.tokens[32], " ");
  EXPECT_EQ(v.merges[0], std::make_pair(int32_t{32}, int32_t{'t'}));  // merges.txt line 2: "Ġ t"
  EXPECT_EQ(v.tokens[v.merge_results[0]], " t");
  for (size_t r = 0; r < v.merges.size(); ++r) {
    EXPECT_EQ(v.tokens[v.merges[r].first] + v.tokens[v.merges[r].second], v.tokens[v.merge_results[r]]);
  }
  EXPECT_EQ(v.bos_token, -1);  // the fixture has no "<|endoftext|>"
}

class Gpt2VocabularyErrors : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    // ctest runs each test in its own process, several at once.
    const std::string path = nibble::testing::process_temp_path("gpt2_vocab_test_" + name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  // The message of read_gpt2_vocabulary's Error, or "" if it returned.
  std::string error_of(const std::string& vocab, const std::string& merges) {
    try {
      read_gpt2_vocabulary(write("vocab.json", vocab), write("merges.txt", merges));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  // All 256 byte tokens in printable form, ids 0..255 in byte order, plus
  // `extra` (already JSON) entries.
  static std::string byte_vocab(const std::string& extra) {
    std::string json = "{";
    int next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const int cp = printable ? b : next++;
      char entry[32];
      if (cp == '"' || cp == '\\') {
        std::snprintf(entry, sizeof(entry), "\"\\%c\": %d, ", cp, b);
      } else {
        std::snprintf(entry, sizeof(entry), "\"\\u%04x\": %d, ", cp, b);
      }
      json += entry;
    }
    return json + extra + "}";
  }
};

TEST_F(Gpt2VocabularyErrors, ByteVocabularyIsValid) {
  EXPECT_EQ(error_of(byte_vocab("\"ab\": 256"), "#version: 0.2\na b\n\n"), "");
}

TEST_F(Gpt2VocabularyErrors, EachRuleNamesFileAndPlace) {
  struct Case {
    std::string vocab, merges, expected;
  } cases[] = {
      {"[1, 2]", "", "vocab.json: expected a JSON object"},
      {byte_vocab("\"ab\": 257"), "", "token \"ab\": id 257 outside 0..256"},
      {byte_vocab("\"ab\": 255"), "", "id 255 is used twice"},
      {byte_vocab("\"ab\": \"x\""), "", "token \"ab\": id is not an integer"},
      {byte_vocab("\"a\\u00adb\": 256"), "", "U+00AD is not one of GPT-2's 256 byte characters"},
      {byte_vocab("\"\\u0120\": 256"), "", "same bytes as token id 32"},  // U+0120 is the space
      {byte_vocab("\"ab\": 256"), "a b c\n", "merges.txt:1: expected \"left right\""},
      {byte_vocab("\"ab\": 256"), "#version: 0.2\na b\nab zz\n", "merges.txt:3: right part \"zz\" is not a token"},
      {byte_vocab("\"ab\": 256"), "b a\n", "merges.txt:1: merge result \"ba\" is not a token"},
      {byte_vocab("\"ab\": 256"), "a b\na b\n", "merges.txt:2: merge \"a b\" repeats"},
      {byte_vocab("\"ab\": 256"), "a  b\n", "merges.txt:1: expected"},
      {byte_vocab("\"ab\": 256"), "#version: 0.2\n\na b\n", "merges.txt:3: merge after the blank line 2"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(c.vocab, c.merges);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "expected \"" << c.expected << "\" in: " << message;
  }
}

TEST_F(Gpt2VocabularyErrors, EveryByteNeedsAToken) {
  // Drop byte 0 ("\u0100"): encoding could not start from bytes.
  std::string vocab = "{\"a\": 0}";
  const std::string message = error_of(vocab, "");
  EXPECT_NE(message.find("byte 0 has no single-byte token"), std::string::npos) << message;
}

}  // namespace
}  // namespace nibble::convert
