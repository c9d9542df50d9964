// One character of possibly invalid UTF-8. A byte that does not start a
// valid sequence (stray continuation, truncated sequence, overlong form,
// surrogate, beyond U+10FFFF, 0xF5..0xFF) is a character of its own whose
// class is kOther: so every byte string pre-tokenizes, and the pieces
// still cover the text exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "extension/tokenizer/unicode_tables.h"

namespace nibble::tokenizer {

// Never a code point, so an invalid byte never compares equal to ' '.
constexpr uint32_t kInvalidByte = 0xFFFFFFFFu;

struct Utf8Char {
  uint32_t code_point;  // kInvalidByte for an invalid byte
  uint32_t size;        // bytes, 1..4
  unicode::CharClass cls;
};

// The character at text[pos] (pos < length).
Utf8Char read_char(const uint8_t* text, size_t length, size_t pos);

}  // namespace nibble::tokenizer
