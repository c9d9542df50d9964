// A TokenizerData view of a test TokenizerTable (tests/runtime's builder).
#pragma once

#include "nibble/tokenizer.hpp"
#include "test_model_builder.h"

namespace nibble::testing {

inline TokenizerData data_of(const TokenizerTable& t) {
  TokenizerData d;
  d.token_bytes = t.token_bytes.data();
  d.num_token_bytes = t.token_bytes.size();
  d.token_offsets = t.token_offsets.data();
  d.num_tokens = t.token_offsets.empty() ? 0 : t.token_offsets.size() - 1;
  d.merges = t.merges.data();
  d.merge_results = t.merge_results.data();
  d.num_merges = t.merge_results.size();
  d.bos = t.bos;
  d.eos = t.eos;
  return d;
}

}  // namespace nibble::testing
