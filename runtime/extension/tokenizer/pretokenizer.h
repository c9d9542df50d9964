// GPT-2's pre-tokenization, by hand (no regex library): the pieces that
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// finds, with the `regex` module's semantics (leftmost alternative that
// matches, greedy runs, backtracking of \s+ before a non-space). BPE then
// runs on each piece separately.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nibble::tokenizer {

// The end of the piece that starts at pos (pos < length); > pos always.
size_t pretoken_end(const uint8_t* text, size_t length, size_t pos);

}  // namespace nibble::tokenizer
