// Hugging Face GPT-2 checkpoint (config.json, safetensors, vocab.json +
// merges.txt) -> the converter's graph of lowered nibble operators:
// EMBEDDING (token and position), per block LAYER_NORM, LINEAR, ATTENTION,
// GELU and residual ADDs, then the final LAYER_NORM and the tied lm_head
// LINEAR. The runtime knows no "GPT-2": these are its generic ops.
#pragma once

#include <string>

#include "converter/hf/gpt2_config.h"
#include "converter/ir/bpe_vocabulary.h"
#include "converter/ir/graph.h"

namespace nibble::convert::hf {

struct Gpt2Import {
  Graph graph;
  Gpt2Config config;
  BpeVocabulary vocabulary;  // empty when the directory has no vocab.json/merges.txt
  std::string config_path;
  std::string checkpoint_path;  // model.safetensors or its index
  std::string checkpoint_sha256;
  int checkpoint_tensors = 0;   // tensors in the checkpoint
  bool tied_lm_head = true;
};

// dir: the checkpoint's directory. max_tokens: rows per run (the sequence
// maximum of every activation), 0 for min(n_positions, 128). Throws Error
// naming the file and tensor at fault.
Gpt2Import import_gpt2(const std::string& dir, int64_t max_tokens);

// The default rows per run for a context of n_positions.
int64_t default_max_tokens(int64_t n_positions);

}  // namespace nibble::convert::hf
