// Binary search over the generated range tables.
#include "extension/tokenizer/unicode_tables.h"

namespace nibble::unicode {
namespace {

bool in_ranges(const CodePointRange* ranges, size_t count, uint32_t cp) {
  size_t lo = 0;
  size_t hi = count;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (cp < ranges[mid].first) {
      hi = mid;
    } else if (cp > ranges[mid].last) {
      lo = mid + 1;
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

CharClass classify(uint32_t cp) {
  // ASCII first: nearly all text is, and it needs no search.
  if (cp < 0x80) {
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return CharClass::kLetter;
    if (cp >= '0' && cp <= '9') return CharClass::kNumber;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return CharClass::kSpace;
    return CharClass::kOther;
  }
  if (in_ranges(kLetterRanges, kLetterRanges_count, cp)) return CharClass::kLetter;
  if (in_ranges(kNumberRanges, kNumberRanges_count, cp)) return CharClass::kNumber;
  if (in_ranges(kSpaceRanges, kSpaceRanges_count, cp)) return CharClass::kSpace;
  return CharClass::kOther;
}

}  // namespace nibble::unicode
