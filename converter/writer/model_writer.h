// Graph -> .nbl bytes: the size-prefixed FlatBuffer, padding, then the data
// region with every constant as a 64-aligned little-endian float32 segment.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "converter/ir/bpe_vocabulary.h"
#include "converter/ir/graph.h"

namespace nibble::convert {

struct FileMetadata {
  std::string source_file;
  std::string source_sha256;
  std::string converter_options;
  std::vector<std::pair<std::string, std::string>> entries;
  // Written as Model.tokenizer when not empty (GPT-2 checkpoints).
  BpeVocabulary tokenizer;
};

struct WrittenModel {
  std::string bytes;
  uint64_t weight_bytes = 0;       // constant bytes, without padding
  uint64_t data_region_bytes = 0;  // Model.data_size
  uint64_t arena_bytes = 0;
};

// The lowered graph must hold only nibble operators; throws Error on
// anything the file cannot express.
WrittenModel build_model_file(const Graph& g, const FileMetadata& metadata);

const char* opcode_name(fb::OpCode code);  // "CONV2D", ...

}  // namespace nibble::convert
