#include "extension/tokenizer/pretokenizer.h"

#include "extension/tokenizer/utf8_reader.h"

namespace nibble::tokenizer {
namespace {

using unicode::CharClass;

// 's 't 'm 'd 're 've 'll: ASCII and case-sensitive, as in GPT-2. Returns
// the contraction's byte length, or 0.
size_t contraction_length(const uint8_t* text, size_t length, size_t pos) {
  if (text[pos] != '\'' || length - pos < 2) return 0;
  const uint8_t a = text[pos + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (length - pos < 3) return 0;
  const uint8_t b = text[pos + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// End of the run of characters of class cls starting at pos.
size_t run_end(const uint8_t* text, size_t length, size_t pos, CharClass cls) {
  while (pos < length) {
    const Utf8Char c = read_char(text, length, pos);
    if (c.cls != cls) break;
    pos += c.size;
  }
  return pos;
}

}  // namespace

size_t pretoken_end(const uint8_t* text, size_t length, size_t pos) {
  const size_t contraction = contraction_length(text, length, pos);
  if (contraction != 0) return pos + contraction;

  const Utf8Char first = read_char(text, length, pos);
  // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional U+0020 then
  // a run of one class.
  if (first.code_point == ' ' && pos + 1 < length) {
    const Utf8Char next = read_char(text, length, pos + 1);
    if (next.cls != CharClass::kSpace) return run_end(text, length, pos + 1, next.cls);
  }
  if (first.cls != CharClass::kSpace) return run_end(text, length, pos, first.cls);

  // "\s+(?!\S)": the whitespace run, less its last character when a
  // non-space follows (that one joins the next piece, e.g. " b"); "\s+"
  // when the run is a single character before a non-space.
  size_t last_start = pos;
  size_t end = pos;
  while (end < length) {
    const Utf8Char c = read_char(text, length, end);
    if (c.cls != CharClass::kSpace) break;
    last_start = end;
    end += c.size;
  }
  if (end == length || last_start == pos) return end;
  return last_start;
}

}  // namespace nibble::tokenizer
