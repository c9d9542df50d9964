// A Hugging Face GPT-2 config.json: the hyper-parameters the importer
// needs, with every setting the nibble graph cannot express refused.
#pragma once

#include <cstdint>
#include <string>

#include "schema/nibble_generated.h"

namespace nibble::convert::hf {

struct Gpt2Config {
  int64_t vocab_size = 0;
  int64_t n_positions = 0;  // n_ctx when n_positions is absent
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_inner = 0;  // 4 * n_embd unless config.json sets it
  double layer_norm_epsilon = 1e-5;
  fb::GeluApproximation gelu = fb::GeluApproximation::TANH;
  std::string activation_function = "gelu_new";
  int64_t bos_token_id = -1;
  int64_t eos_token_id = -1;
};

// Parses config.json's text; path names the file in messages. Throws
// Error("PATH: 'key' ...").
Gpt2Config parse_gpt2_config(const std::string& text, const std::string& path);

}  // namespace nibble::convert::hf
