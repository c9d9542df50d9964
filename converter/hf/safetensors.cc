#include "converter/hf/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "converter/convert.h"
#include "converter/util/file_util.h"
#include "converter/util/json.h"

namespace nibble::convert::hf {

namespace {

// The specification's limit: a larger header is refused before parsing,
// so a hostile size cannot make the reader allocate or scan gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DTypeName {
  const char* name;
  StDType type;
  size_t size;
};

constexpr DTypeName kDTypes[] = {
    {"F64", StDType::kF64, 8},        {"F32", StDType::kF32, 4},        {"F16", StDType::kF16, 2},
    {"BF16", StDType::kBF16, 2},      {"F8_E4M3", StDType::kF8E4M3, 1}, {"F8_E5M2", StDType::kF8E5M2, 1},
    {"I64", StDType::kI64, 8},        {"I32", StDType::kI32, 4},        {"I16", StDType::kI16, 2},
    {"I8", StDType::kI8, 1},          {"U64", StDType::kU64, 8},        {"U32", StDType::kU32, 4},
    {"U16", StDType::kU16, 2},        {"U8", StDType::kU8, 1},          {"BOOL", StDType::kBool, 1},
};

std::string offsets_string(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

[[noreturn]] void fail_tensor(const std::string& path, const std::string& tensor, const std::string& what) {
  throw Error(path + ": tensor '" + tensor + "': " + what);
}

StTensor parse_entry(const std::string& path, const std::string& name, const json::Value& v) {
  if (!v.is_object()) fail_tensor(path, name, std::string("header entry is a JSON ") + json::type_name(v.type) + ", not an object");
  StTensor t;
  t.name = name;
  const json::Value* dtype = v.find("dtype");
  const json::Value* shape = v.find("shape");
  const json::Value* offsets = v.find("data_offsets");
  if (dtype == nullptr || !dtype->is_string()) fail_tensor(path, name, "'dtype' is missing or not a string");
  if (shape == nullptr || !shape->is_array()) fail_tensor(path, name, "'shape' is missing or not an array");
  if (offsets == nullptr || !offsets->is_array()) fail_tensor(path, name, "'data_offsets' is missing or not an array");
  size_t elem_size = 0;
  for (const DTypeName& d : kDTypes) {
    if (dtype->text == d.name) {
      t.dtype = d.type;
      elem_size = d.size;
    }
  }
  if (elem_size == 0) fail_tensor(path, name, "unknown dtype '" + dtype->text + "'");
  uint64_t numel = 1;
  for (const json::Value& d : shape->array) {
    int64_t dim = 0;
    if (!d.to_int64(&dim) || dim < 0) fail_tensor(path, name, "shape has '" + d.text + "', not a non-negative integer");
    t.shape.push_back(dim);
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dim), &numel)) fail_tensor(path, name, "shape " + shape_string(t.shape) + " overflows");
  }
  if (offsets->array.size() != 2 || !offsets->array[0].to_uint64(&t.begin) || !offsets->array[1].to_uint64(&t.end)) {
    fail_tensor(path, name, "'data_offsets' is not two non-negative integers [begin, end]");
  }
  if (t.end < t.begin) fail_tensor(path, name, "data_offsets " + offsets_string(t.begin, t.end) + " end before they begin");
  uint64_t need = 0;
  if (__builtin_mul_overflow(numel, static_cast<uint64_t>(elem_size), &need)) {
    fail_tensor(path, name, "shape " + shape_string(t.shape) + " x " + dtype->text + " overflows");
  }
  if (t.end - t.begin != need) {
    fail_tensor(path, name, "data_offsets " + offsets_string(t.begin, t.end) + " hold " + std::to_string(t.end - t.begin) +
                                " bytes, shape " + shape_string(t.shape) + " x " + dtype->text + " needs " + std::to_string(need));
  }
  return t;
}

// The specification's layout rule: sorted by offset, the tensors cover
// the data region exactly once (a hole or an overlap is refused, since
// either means the header does not describe the bytes).
void check_tiling(const std::string& path, std::vector<const StTensor*> sorted, uint64_t data_size) {
  std::sort(sorted.begin(), sorted.end(), [](const StTensor* a, const StTensor* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const StTensor* previous = nullptr;
  for (const StTensor* t : sorted) {
    if (t->end > data_size) {
      fail_tensor(path, t->name, "data_offsets " + offsets_string(t->begin, t->end) + " reach past the data region (" +
                                     std::to_string(data_size) + " bytes)");
    }
    if (t->begin < covered) {
      fail_tensor(path, t->name, "data_offsets " + offsets_string(t->begin, t->end) + " overlap tensor '" + previous->name + "' " +
                                     offsets_string(previous->begin, previous->end));
    }
    if (t->begin > covered) {
      fail_tensor(path, t->name, "data_offsets " + offsets_string(t->begin, t->end) + " leave a hole: bytes " +
                                     offsets_string(covered, t->begin) + " belong to no tensor");
    }
    covered = t->end;
    previous = t;
  }
  if (covered != data_size) {
    throw Error(path + ": the data region has " + std::to_string(data_size) + " bytes, the tensors cover " + std::to_string(covered) +
                " (bytes " + offsets_string(covered, data_size) + " belong to no tensor)");
  }
}

uint16_t load_u16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}

// A plain file name next to the index: a shard may not point elsewhere.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

const char* st_dtype_name(StDType t) {
  for (const DTypeName& d : kDTypes) {
    if (d.type == t) return d.name;
  }
  return "?";
}

size_t st_dtype_size(StDType t) {
  for (const DTypeName& d : kDTypes) {
    if (d.type == t) return d.size;
  }
  return 0;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits = 0;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf, nan (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {
    // Subnormal: normalise; every half subnormal is a float normal.
    int e = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (static_cast<uint32_t>(e) << 23) | ((mantissa & 0x3ffu) << 13);
  } else {
    bits = sign;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) { return parse(path, read_file(path)); }

std::unique_ptr<SafetensorsFile> SafetensorsFile::parse(const std::string& path, std::string bytes) {
  auto file = std::make_unique<SafetensorsFile>();
  file->path_ = path;
  file->bytes_ = std::move(bytes);
  const std::string& b = file->bytes_;
  if (b.size() < 8) throw Error(path + ": truncated: " + std::to_string(b.size()) + " bytes, not even the 8-byte header size");
  uint64_t header_size = 0;
  for (int k = 7; k >= 0; --k) header_size = (header_size << 8) | static_cast<uint8_t>(b[static_cast<size_t>(k)]);
  if (header_size > kMaxHeaderBytes) {
    throw Error(path + ": header size " + std::to_string(header_size) + " exceeds the 100 MiB limit (not a safetensors file?)");
  }
  if (header_size > b.size() - 8) {
    throw Error(path + ": truncated: the header needs " + std::to_string(header_size) + " bytes, the file has " +
                std::to_string(b.size() - 8) + " after the size");
  }
  file->data_start_ = 8 + header_size;
  const json::Value header = json::parse(b.data() + 8, header_size, path + " (header)");
  if (!header.is_object()) throw Error(path + ": the header is a JSON " + json::type_name(header.type) + ", not an object");
  std::set<std::string> seen;
  for (const auto& [key, value] : header.object) {
    if (!seen.insert(key).second) throw Error(path + ": tensor '" + key + "' appears twice in the header");
    if (key == "__metadata__") {
      if (!value.is_object()) throw Error(path + ": '__metadata__' is not an object");
      for (const auto& [k, v] : value.object) {
        if (!v.is_string()) throw Error(path + ": '__metadata__' entry '" + k + "' is not a string");
        if (!file->metadata_.emplace(k, v.text).second) throw Error(path + ": '__metadata__' has '" + k + "' twice");
      }
      continue;
    }
    file->index_[key] = file->tensors_.size();
    file->tensors_.push_back(parse_entry(path, key, value));
  }
  std::vector<const StTensor*> all;
  for (const StTensor& t : file->tensors_) all.push_back(&t);
  check_tiling(path, all, b.size() - file->data_start_);
  return file;
}

const StTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

TensorData SafetensorsFile::read_float(const StTensor& t) const {
  if (t.dtype != StDType::kF32 && t.dtype != StDType::kF16 && t.dtype != StDType::kBF16) {
    fail_tensor(path_, t.name, std::string("dtype ") + st_dtype_name(t.dtype) + " is not supported for weights (F32, F16 or BF16)");
  }
  TensorData d = TensorData::zeros(DType::kFloat32, t.shape);
  const char* p = bytes_.data() + data_start_ + t.begin;  // validated: within the data region
  const size_t n = d.f.size();
  if (t.dtype == StDType::kF32) {
    // An empty tensor's vector may have no storage: memcpy wants non-null
    // pointers even for zero bytes.
    if (n != 0) std::memcpy(d.f.data(), p, n * 4);  // little-endian host, as the writer assumes
  } else {
    for (size_t k = 0; k < n; ++k) {
      const uint16_t bits = load_u16(p + 2 * k);
      d.f[k] = t.dtype == StDType::kF16 ? half_to_float(bits) : bfloat16_to_float(bits);
    }
  }
  return d;
}

Checkpoint Checkpoint::open_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  Checkpoint c;
  const std::string index_path = dir + "/model.safetensors.index.json";
  const std::string single_path = dir + "/model.safetensors";
  std::error_code ec;
  if (fs::exists(index_path, ec)) {
    c.description_path_ = index_path;
    const json::Value index = json::parse(read_file(index_path), index_path);
    const json::Value* map = index.is_object() ? index.find("weight_map") : nullptr;
    if (map == nullptr || !map->is_object()) throw Error(index_path + ": no 'weight_map' object");
    std::map<std::string, size_t> shard_index;
    for (const auto& [tensor, file] : map->object) {
      if (!file.is_string()) throw Error(index_path + ": weight_map entry '" + tensor + "' is not a file name");
      if (!plain_file_name(file.text)) {
        throw Error(index_path + ": weight_map entry '" + tensor + "' names '" + file.text +
                    "', not a plain file name in the checkpoint's directory");
      }
      if (c.where_.count(tensor)) throw Error(index_path + ": weight_map has tensor '" + tensor + "' twice");
      auto it = shard_index.find(file.text);
      if (it == shard_index.end()) {
        it = shard_index.emplace(file.text, c.files_.size()).first;
        c.files_.push_back(SafetensorsFile::open(dir + "/" + file.text));
      }
      const SafetensorsFile& shard = *c.files_[it->second];
      if (shard.find(tensor) == nullptr) {
        throw Error(index_path + ": tensor '" + tensor + "' is mapped to '" + file.text + "', which does not hold it");
      }
      c.where_[tensor] = it->second;
    }
    return c;
  }
  if (!fs::exists(single_path, ec)) {
    throw Error(dir + ": no model.safetensors or model.safetensors.index.json (only safetensors checkpoints are read)");
  }
  c.description_path_ = single_path;
  c.files_.push_back(SafetensorsFile::open(single_path));
  for (const StTensor& t : c.files_[0]->tensors()) c.where_[t.name] = 0;
  return c;
}

const StTensor& Checkpoint::tensor(const std::string& name, const SafetensorsFile** file) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error(description_path_ + ": tensor '" + name + "' is missing");
  const SafetensorsFile& f = *files_[it->second];
  if (file != nullptr) *file = &f;
  return *f.find(name);
}

TensorData Checkpoint::read_float(const std::string& name) const {
  const SafetensorsFile* file = nullptr;
  const StTensor& t = tensor(name, &file);
  return file->read_float(t);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) out.push_back(name);
  return out;
}

}  // namespace nibble::convert::hf
