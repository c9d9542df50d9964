// A reader for Hugging Face safetensors checkpoints, validating the file
// as the format's specification requires (header size, JSON header, dtype
// and shape against the byte ranges, tensors tiling the data region) so a
// malformed or hostile file yields a convert::Error naming the file and
// the tensor instead of a wrong model. Also reads sharded checkpoints
// (model.safetensors.index.json).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "converter/ir/tensor_data.h"

namespace nibble::convert::hf {

// The headers' element types. Only the float ones are weight sources; the
// others are recognised so a file using them for tensors the importer
// does not read still loads.
enum class StDType { kF64, kF32, kF16, kBF16, kF8E4M3, kF8E5M2, kI64, kI32, kI16, kI8, kU64, kU32, kU16, kU8, kBool };

const char* st_dtype_name(StDType t);
size_t st_dtype_size(StDType t);

struct StTensor {
  std::string name;
  StDType dtype = StDType::kF32;
  Shape shape;
  uint64_t begin = 0, end = 0;  // data_offsets, relative to the data region
};

class SafetensorsFile {
 public:
  // Reads and validates path; throws Error("PATH: ...").
  static std::unique_ptr<SafetensorsFile> open(const std::string& path);
  // The same for bytes already in memory (path only names it in messages).
  static std::unique_ptr<SafetensorsFile> parse(const std::string& path, std::string bytes);

  const std::string& path() const { return path_; }
  const std::string& bytes() const { return bytes_; }
  const StTensor* find(const std::string& name) const;
  const std::vector<StTensor>& tensors() const { return tensors_; }  // header order
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The tensor's elements as float32 (F32 as stored, F16 and BF16 widened
  // exactly); other dtypes are refused.
  TensorData read_float(const StTensor& t) const;

 private:
  std::string path_;
  std::string bytes_;
  uint64_t data_start_ = 0;
  std::vector<StTensor> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// A checkpoint: one model.safetensors or the shards an index names.
class Checkpoint {
 public:
  // dir holds model.safetensors or model.safetensors.index.json (the
  // index wins when both exist, as in transformers).
  static Checkpoint open_dir(const std::string& dir);

  bool has(const std::string& name) const { return where_.count(name) != 0; }
  // The header entry and the file holding it; throws Error naming the
  // checkpoint when the tensor is missing.
  const StTensor& tensor(const std::string& name, const SafetensorsFile** file) const;
  TensorData read_float(const std::string& name) const;
  // The file (index or single file) that describes the checkpoint.
  const std::string& description_path() const { return description_path_; }
  std::vector<std::string> names() const;

 private:
  std::string description_path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // tensor -> files_ index
};

// Exact widening of IEEE half and bfloat16 bit patterns.
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

}  // namespace nibble::convert::hf
