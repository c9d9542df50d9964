// Pre-tokenization against the `regex` module: the piece lengths of
// gpt2_reference_cases.h come from tools/gpt2_bpe_reference.py (GPT-2's
// pattern, Python `regex`), and the hand-written matcher must cut the
// same pieces. Plus the invalid UTF-8 rule and the character classes.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "extension/tokenizer/pretokenizer.h"
#include "extension/tokenizer/unicode_tables.h"
#include "extension/tokenizer/utf8_reader.h"
#include "gpt2_reference_cases.h"

namespace nibble::tokenizer {
namespace {

std::vector<int> piece_lengths(const std::string& text) {
  std::vector<int> lengths;
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t pos = 0; pos < text.size();) {
    const size_t end = pretoken_end(bytes, text.size(), pos);
    EXPECT_GT(end, pos);
    EXPECT_LE(end, text.size());
    lengths.push_back(static_cast<int>(end - pos));
    pos = end;
  }
  return lengths;
}

TEST(Pretokenizer, MatchesPythonRegexOnReferenceCases) {
  ASSERT_GE(gpt2_reference_cases().size(), 60u);
  for (const Gpt2ReferenceCase& c : gpt2_reference_cases()) {
    EXPECT_EQ(piece_lengths(c.text), c.piece_bytes) << "text: \"" << c.text << "\"";
  }
}

TEST(Pretokenizer, DocumentedExamples) {
  EXPECT_EQ(piece_lengths("a  b"), (std::vector<int>{1, 1, 2}));       // "a", " ", " b"
  EXPECT_EQ(piece_lengths("x   "), (std::vector<int>{1, 3}));          // trailing spaces stay one piece
  EXPECT_EQ(piece_lengths("a\n\nb"), (std::vector<int>{1, 1, 1, 1}));  // "\n", "\n": \s+(?!\S) backs off one
  EXPECT_EQ(piece_lengths("it's"), (std::vector<int>{2, 2}));
  EXPECT_EQ(piece_lengths("IT'S"), (std::vector<int>{2, 1, 1}));      // contractions are case-sensitive
  EXPECT_EQ(piece_lengths("'ll've"), (std::vector<int>{3, 3}));
}

TEST(Pretokenizer, InvalidBytesAreOtherCharacters) {
  // Each invalid byte is punctuation-like: it joins a run of others, and
  // a leading space attaches to it as to "?".
  EXPECT_EQ(piece_lengths("a \xff\xfe b"), (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(piece_lengths("ab\x80" "cd"), (std::vector<int>{2, 1, 2}));
  EXPECT_EQ(piece_lengths("\xe2\x82"), (std::vector<int>{2}));             // truncated 3-byte sequence
  EXPECT_EQ(piece_lengths("x\xc0\xaf" "y"), (std::vector<int>{1, 2, 1}));  // overlong "/"
  EXPECT_EQ(piece_lengths("\xed\xa0\x80!"), (std::vector<int>{4}));         // surrogate U+D800, then "!"
}

TEST(Utf8Reader, DecodesValidAndFlagsInvalid) {
  auto read = [](const char* s) {
    return read_char(reinterpret_cast<const uint8_t*>(s), std::strlen(s), 0);
  };
  EXPECT_EQ(read("\xc3\xa9").code_point, 0xE9u);
  EXPECT_EQ(read("\xc3\xa9").size, 2u);
  EXPECT_EQ(read("\xf0\x9f\x98\x80").code_point, 0x1F600u);
  EXPECT_EQ(read("\xf4\x8f\xbf\xbf").code_point, 0x10FFFFu);
  for (const char* bad : {"\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf8",
                          "\xff", "\xed\xbf\xbf", "\xe2\x82", "\xc3("}) {
    const Utf8Char c = read(bad);
    EXPECT_EQ(c.code_point, kInvalidByte) << bad;
    EXPECT_EQ(c.size, 1u);
    EXPECT_EQ(c.cls, unicode::CharClass::kOther);
  }
}

TEST(UnicodeTables, ClassesOfSampleCharacters) {
  using unicode::CharClass;
  using unicode::classify;
  EXPECT_EQ(classify('a'), CharClass::kLetter);
  EXPECT_EQ(classify(0xE9), CharClass::kLetter);     // é
  EXPECT_EQ(classify(0x65E5), CharClass::kLetter);   // 日
  EXPECT_EQ(classify(0x0663), CharClass::kNumber);   // Arabic-Indic three
  EXPECT_EQ(classify(0x00BD), CharClass::kNumber);   // ½ (No)
  EXPECT_EQ(classify(0x216B), CharClass::kNumber);   // Ⅻ (Nl)
  EXPECT_EQ(classify(0x00A0), CharClass::kSpace);    // no-break space
  EXPECT_EQ(classify(0x3000), CharClass::kSpace);
  EXPECT_EQ(classify(0x0085), CharClass::kSpace);
  EXPECT_EQ(classify(0x001C), CharClass::kOther);    // str.isspace() says yes, regex's \s says no
  EXPECT_EQ(classify(0x200B), CharClass::kOther);    // zero-width space is Cf
  EXPECT_EQ(classify(0x1F600), CharClass::kOther);   // emoji
  EXPECT_EQ(classify(0x10FFFF), CharClass::kOther);
  EXPECT_STREQ(unicode::kUnicodeVersion, "14.0.0");
}

}  // namespace
}  // namespace nibble::tokenizer
