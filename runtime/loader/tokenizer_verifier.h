// The checks a tokenizer table must pass before anything indexes it: the
// loader runs them on a file's Model.tokenizer, Tokenizer::create on the
// arrays it is given. Allocation-free (a future fuzz target, issue 7).
#pragma once

#include "nibble/status.h"
#include "nibble/tokenizer.hpp"
#include "schema/nibble_generated.h"

namespace nibble {

// token_offsets: num_tokens + 1 entries from 0, non-decreasing, the last
// equal to the byte count; every single byte is a token (encoding starts
// from one token per byte); every merge id in range and each result's
// bytes the concatenation of its two parts; bos/eos in [-1, num_tokens);
// at most kMaxTokenizerTokens tokens and kMaxTokenizerMerges merges.
Status verify_tokenizer_data(const TokenizerData& data);

// A file's table: null (no tokenizer) is fine; else its kind must be
// known, merges must hold pairs and merge_results one entry per pair, and
// the arrays pass verify_tokenizer_data.
Status verify_tokenizer(const fb::Tokenizer* tokenizer);

// The arrays of a file's table (which verify_tokenizer accepted).
TokenizerData tokenizer_data(const fb::Tokenizer* tokenizer);

}  // namespace nibble
