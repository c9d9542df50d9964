// nibble C++ tokenizer API: GPT-2's byte-level BPE, as embedded in a model
// file (schema table Tokenizer) or given as plain arrays. Library
// nibble_tokenizer; docs/TOKENIZER.md describes the algorithm.
//
// Text is bytes. Valid UTF-8 is pre-tokenized exactly as GPT-2 does (its
// regex, Unicode classes of tools/gen_unicode_tables.py); each byte that
// is not part of a valid UTF-8 sequence (stray continuation byte,
// truncated sequence, overlong form, surrogate, 0xF5..0xFF) counts as one
// character that is neither letter, number nor space. So any byte string
// encodes, and decode(encode(s)) == s for every s.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nibble/nibble.hpp"

namespace nibble {

// A vocabulary as plain arrays, mirroring the schema table Tokenizer:
// token i is token_bytes[token_offsets[i] .. token_offsets[i + 1]);
// merge rank r joins merges[2r], merges[2r + 1] into merge_results[r].
// Tokenizer::create checks it (Status names the rule broken) and keeps
// the pointers: the arrays must outlive the Tokenizer.
struct TokenizerData {
  const uint8_t* token_bytes = nullptr;
  size_t num_token_bytes = 0;
  const uint32_t* token_offsets = nullptr;  // num_tokens + 1 entries
  size_t num_tokens = 0;
  const int32_t* merges = nullptr;          // 2 * num_merges entries
  const int32_t* merge_results = nullptr;   // num_merges entries
  size_t num_merges = 0;
  int32_t bos = -1;  // -1: none
  int32_t eos = -1;
};

// At most this many tokens and merges (a file cannot ask for more tables).
constexpr size_t kMaxTokenizerTokens = size_t{1} << 24;
constexpr size_t kMaxTokenizerMerges = size_t{1} << 24;

class NIBBLE_CXX_API Tokenizer {
 public:
  // The model file's tokenizer (kUnsupported if the file has none). The
  // model must outlive the tokenizer: token bytes are read in place.
  // Lookup tables come from `allocator` (nullptr: malloc/free).
  static Result<Tokenizer> from_model(const Model& model, const Allocator* allocator = nullptr);
  static Result<Tokenizer> create(const TokenizerData& data, const Allocator* allocator = nullptr);

  Tokenizer(Tokenizer&& other) noexcept;
  Tokenizer& operator=(Tokenizer&& other) noexcept;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer();

  // Writes the ids of text[0, length) to ids and their number to *count.
  // Each byte yields at most one token, so capacity >= length always
  // suffices. With less, the ids that fit are written, *count is the
  // number needed and the result is kOutOfRange (capacity 0 measures).
  // BPE works in scratch of 52 bytes per byte of the longest pre-token:
  // on the stack up to 16 bytes (832 bytes), else one block from the
  // allocator for the call, given back before it returns. BPE keeps a
  // heap of candidate pairs: O(n log n) in the length of a pre-token.
  Status encode(const char* text, size_t length, int32_t* ids, size_t capacity, size_t* count) const;

  // Concatenates the bytes of ids[0, n) into out and their number into
  // *length (no terminating NUL). Too small a capacity: the bytes that fit
  // are written, *length is the number needed, kOutOfRange. An id outside
  // the vocabulary: kOutOfRange naming it.
  Status decode(const int32_t* ids, size_t n, char* out, size_t capacity, size_t* length) const;

  // The bytes of one token (not NUL-terminated; may be part of a UTF-8
  // character), for streaming output; nullptr if id is out of range.
  const char* token_bytes(int32_t id, size_t* length) const;

  size_t vocab_size() const;
  int32_t bos() const;  // -1 if the vocabulary has none
  int32_t eos() const;

  struct Impl;

 private:
  explicit Tokenizer(Impl* impl) : impl_(impl) {}
  Impl* impl_ = nullptr;
};

// Thread safety: a Tokenizer is immutable; its const methods may run
// concurrently. Concurrent encode() calls then call the allocator
// concurrently (malloc is fine; serialise calls over an allocator that is
// not thread-safe, such as nibble/arena_allocator.h).

}  // namespace nibble
