// A byte-level BPE vocabulary as the converter embeds it in a model file
// (schema Tokenizer): tokens as raw bytes (GPT-2's printable remapping
// undone) and merges as token id pairs in rank order.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nibble::convert {

struct BpeVocabulary {
  std::vector<std::string> tokens;                  // raw bytes of token i
  std::vector<std::pair<int32_t, int32_t>> merges;  // rank r: left, right
  std::vector<int32_t> merge_results;               // rank r: the joined token
  int32_t bos_token = -1;
  int32_t eos_token = -1;

  bool empty() const { return tokens.empty(); }
};

}  // namespace nibble::convert
