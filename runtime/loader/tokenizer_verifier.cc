#include "loader/tokenizer_verifier.h"

#include <cstring>

#include "core/checked_math.h"

namespace nibble {
namespace {

Status verify_offsets(const TokenizerData& d) {
  if (d.num_tokens == 0) return NIBBLE_ERROR(kMalformed, "tokenizer has no tokens");
  if (d.num_tokens > kMaxTokenizerTokens) {
    return NIBBLE_ERROR(kOverflow, "tokenizer has %zu tokens, more than the limit %zu", d.num_tokens,
                        kMaxTokenizerTokens);
  }
  if (d.token_offsets == nullptr) return NIBBLE_ERROR(kMalformed, "tokenizer has no token_offsets");
  if (d.num_token_bytes > 0 && d.token_bytes == nullptr) {
    return NIBBLE_ERROR(kMalformed, "tokenizer declares %zu token bytes but has none", d.num_token_bytes);
  }
  if (d.token_offsets[0] != 0) {
    return NIBBLE_ERROR(kMalformed, "tokenizer token_offsets[0] is %u, not 0", d.token_offsets[0]);
  }
  for (size_t i = 0; i < d.num_tokens; ++i) {
    if (d.token_offsets[i + 1] < d.token_offsets[i]) {
      return NIBBLE_ERROR(kMalformed, "tokenizer token_offsets decrease at token %zu (%u after %u)", i,
                          d.token_offsets[i + 1], d.token_offsets[i]);
    }
  }
  if (d.token_offsets[d.num_tokens] != d.num_token_bytes) {
    return NIBBLE_ERROR(kOutOfRange, "tokenizer token_offsets end at %u but token_bytes has %zu bytes",
                        d.token_offsets[d.num_tokens], d.num_token_bytes);
  }
  return Status::ok();
}

Status verify_byte_tokens(const TokenizerData& d) {
  bool present[256] = {false};
  for (size_t i = 0; i < d.num_tokens; ++i) {
    if (d.token_offsets[i + 1] - d.token_offsets[i] == 1) present[d.token_bytes[d.token_offsets[i]]] = true;
  }
  for (int b = 0; b < 256; ++b) {
    if (!present[b]) {
      return NIBBLE_ERROR(kMalformed, "tokenizer has no token for the single byte 0x%02X (encoding starts from bytes)",
                          b);
    }
  }
  return Status::ok();
}

bool valid_id(int32_t id, size_t num_tokens) { return id >= 0 && static_cast<uint64_t>(id) < num_tokens; }

Status verify_merges(const TokenizerData& d) {
  if (d.num_merges > kMaxTokenizerMerges) {
    return NIBBLE_ERROR(kOverflow, "tokenizer has %zu merges, more than the limit %zu", d.num_merges,
                        kMaxTokenizerMerges);
  }
  if (d.num_merges > 0 && (d.merges == nullptr || d.merge_results == nullptr)) {
    return NIBBLE_ERROR(kMalformed, "tokenizer declares %zu merges but lacks merges or merge_results", d.num_merges);
  }
  for (size_t r = 0; r < d.num_merges; ++r) {
    const int32_t left = d.merges[2 * r];
    const int32_t right = d.merges[2 * r + 1];
    const int32_t result = d.merge_results[r];
    if (!valid_id(left, d.num_tokens) || !valid_id(right, d.num_tokens) || !valid_id(result, d.num_tokens)) {
      return NIBBLE_ERROR(kOutOfRange, "tokenizer merge %zu (%d, %d) -> %d has a token id outside [0, %zu)", r, left,
                          right, result, d.num_tokens);
    }
    const uint32_t* o = d.token_offsets;
    const uint32_t left_size = o[left + 1] - o[left];
    const uint32_t right_size = o[right + 1] - o[right];
    const uint32_t result_size = o[result + 1] - o[result];
    // Sizes are at most the byte count (a size_t), so the sum cannot wrap
    // in 64 bits; compare without forming pointers past the table first.
    if (static_cast<uint64_t>(left_size) + right_size != result_size ||
        (left_size > 0 && std::memcmp(d.token_bytes + o[result], d.token_bytes + o[left], left_size) != 0) ||
        (right_size > 0 &&
         std::memcmp(d.token_bytes + o[result] + left_size, d.token_bytes + o[right], right_size) != 0)) {
      return NIBBLE_ERROR(kMalformed, "tokenizer merge %zu: token %d is not the bytes of token %d followed by token %d",
                          r, result, left, right);
    }
  }
  return Status::ok();
}

Status verify_special(int32_t id, const char* what, size_t num_tokens) {
  if (id != -1 && !valid_id(id, num_tokens)) {
    return NIBBLE_ERROR(kOutOfRange, "tokenizer %s token %d is outside [-1, %zu)", what, id, num_tokens);
  }
  return Status::ok();
}

}  // namespace

Status verify_tokenizer_data(const TokenizerData& d) {
  NIBBLE_RETURN_IF_ERROR(verify_offsets(d));
  NIBBLE_RETURN_IF_ERROR(verify_byte_tokens(d));
  NIBBLE_RETURN_IF_ERROR(verify_merges(d));
  NIBBLE_RETURN_IF_ERROR(verify_special(d.bos, "bos", d.num_tokens));
  return verify_special(d.eos, "eos", d.num_tokens);
}

TokenizerData tokenizer_data(const fb::Tokenizer* t) {
  TokenizerData d;
  if (t->token_bytes() != nullptr) {
    d.token_bytes = t->token_bytes()->data();
    d.num_token_bytes = t->token_bytes()->size();
  }
  if (t->token_offsets() != nullptr && t->token_offsets()->size() > 0) {
    d.token_offsets = t->token_offsets()->data();
    d.num_tokens = t->token_offsets()->size() - 1;
  }
  if (t->merges() != nullptr && t->merge_results() != nullptr) {
    d.merges = t->merges()->data();
    d.merge_results = t->merge_results()->data();
    d.num_merges = t->merge_results()->size();
  }
  d.bos = t->bos_token();
  d.eos = t->eos_token();
  return d;
}

Status verify_tokenizer(const fb::Tokenizer* t) {
  if (t == nullptr) return Status::ok();
  if (t->kind() != fb::TokenizerKind::GPT2_BPE) {
    return NIBBLE_ERROR(kUnsupported, "tokenizer kind %d is unknown (this runtime reads GPT2_BPE)",
                        static_cast<int>(t->kind()));
  }
  if (t->token_offsets() == nullptr || t->token_offsets()->size() == 0) {
    return NIBBLE_ERROR(kMalformed, "tokenizer has no token_offsets (needs num_tokens + 1 entries)");
  }
  const uint32_t num_merge_ids = t->merges() != nullptr ? t->merges()->size() : 0;
  const uint32_t num_results = t->merge_results() != nullptr ? t->merge_results()->size() : 0;
  if (num_merge_ids % 2 != 0) {
    return NIBBLE_ERROR(kMalformed, "tokenizer merges has %u ids, not a whole number of pairs", num_merge_ids);
  }
  if (num_results != num_merge_ids / 2) {
    return NIBBLE_ERROR(kMalformed, "tokenizer has %u merge pairs but %u merge_results", num_merge_ids / 2,
                        num_results);
  }
  return verify_tokenizer_data(tokenizer_data(t));
}

}  // namespace nibble
