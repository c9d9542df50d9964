#include "tests/converter/safetensors_builder.h"

#include <cstring>

#include "converter/hf/safetensors.h"

namespace nibble::test {

namespace {

std::string shape_json(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); ++k) s += (k ? "," : "") + std::to_string(shape[k]);
  return s + "]";
}

std::string u16_bytes(const std::vector<uint16_t>& v) {
  std::string s;
  for (uint16_t x : v) {
    s += static_cast<char>(x & 0xff);
    s += static_cast<char>(x >> 8);
  }
  return s;
}

}  // namespace

std::string gpt2_fixture_dir() { return std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare"; }

std::string safetensors_raw(const std::string& header_json, const std::string& data) {
  std::string header = header_json;
  while (header.size() % 8 != 0) header += ' ';
  std::string out;
  uint64_t n = header.size();
  for (int k = 0; k < 8; ++k) out += static_cast<char>((n >> (8 * k)) & 0xff);
  return out + header + data;
}

std::string safetensors_file(const std::vector<StEntry>& entries, const std::string& metadata_json) {
  std::string header = "{", data;
  if (!metadata_json.empty()) header += "\"__metadata__\":" + metadata_json;
  for (const StEntry& e : entries) {
    if (header.size() > 1) header += ",";
    header += "\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":" + shape_json(e.shape) +
              ",\"data_offsets\":[" + std::to_string(data.size()) + "," + std::to_string(data.size() + e.bytes.size()) + "]}";
    data += e.bytes;
  }
  return safetensors_raw(header + "}", data);
}

std::string f32_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4);
}

std::vector<float> floats_of(const std::string& bytes) {
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

uint16_t float_to_bfloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fffu + ((bits >> 16) & 1u);  // finite inputs only (the fixture's)
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t float_to_half(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent >= 31) return sign | 0x7c00u;  // overflow -> inf (finite inputs)
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into the exponent: correct
  return static_cast<uint16_t>(sign | half);
}

std::vector<StEntry> fixture_entries(const std::string& dtype, const std::string& key_prefix) {
  const auto file = convert::hf::SafetensorsFile::open(gpt2_fixture_dir() + "/model.safetensors");
  std::vector<StEntry> entries;
  for (const convert::hf::StTensor& t : file->tensors()) {
    const std::vector<float> f = file->read_float(t).f;
    StEntry e{key_prefix + t.name, dtype, t.shape, ""};
    if (dtype == "F32") {
      e.bytes = f32_bytes(f);
    } else {
      std::vector<uint16_t> h;
      for (float x : f) h.push_back(dtype == "F16" ? float_to_half(x) : float_to_bfloat16(x));
      e.bytes = u16_bytes(h);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace nibble::test
