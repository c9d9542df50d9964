#include "extension/tokenizer/utf8_reader.h"

namespace nibble::tokenizer {
namespace {

Utf8Char invalid_byte() { return Utf8Char{kInvalidByte, 1, unicode::CharClass::kOther}; }

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

Utf8Char read_char(const uint8_t* text, size_t length, size_t pos) {
  const uint8_t lead = text[pos];
  if (lead < 0x80) return Utf8Char{lead, 1, unicode::classify(lead)};
  uint32_t size = 0;
  uint32_t cp = 0;
  uint32_t min = 0;  // the smallest code point of this length (no overlongs)
  if (lead >= 0xC2 && lead <= 0xDF) {
    size = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    size = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    size = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    return invalid_byte();  // continuation byte, 0xC0/0xC1 (overlong), 0xF5..0xFF
  }
  if (size > length - pos) return invalid_byte();
  for (uint32_t k = 1; k < size; ++k) {
    const uint8_t b = text[pos + k];
    if (!is_continuation(b)) return invalid_byte();
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid_byte();
  return Utf8Char{cp, size, unicode::classify(cp)};
}

}  // namespace nibble::tokenizer
