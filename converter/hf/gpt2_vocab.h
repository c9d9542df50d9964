// Reads a GPT-2 byte-level BPE vocabulary in the Hugging Face layout
// (vocab.json + merges.txt) into the raw-byte form the model file embeds.
#pragma once

#include <string>

#include "converter/ir/bpe_vocabulary.h"

namespace nibble::convert {

// vocab.json: {"token": id, ...} where each token is written with GPT-2's
// printable byte-to-unicode map (undone here, so tokens are raw bytes);
// ids must be exactly 0..V-1, each once, and no two tokens may be the same
// bytes. merges.txt: an optional first line "#version...", then one
// "left right" pair per line in rank order (blank lines only at the end); both
// parts and their concatenation must be tokens. bos/eos are the id of
// "<|endoftext|>" if the vocabulary has it, else -1 (the caller may set
// them from config.json). Throws Error naming the file and the line or
// token at fault.
BpeVocabulary read_gpt2_vocabulary(const std::string& vocab_json_path, const std::string& merges_txt_path);

}  // namespace nibble::convert
