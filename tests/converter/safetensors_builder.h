// Writes safetensors files for the Hugging Face import tests: valid ones
// from entries, and raw header + data for the malformed cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::test {

struct StEntry {
  std::string name;
  std::string dtype;  // "F32", "F16", ...
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian elements
};

// 8-byte little-endian header size, header (space-padded to 8 bytes), data.
std::string safetensors_raw(const std::string& header_json, const std::string& data);

// Entries laid out back to back in order; metadata_json: "" or an object.
std::string safetensors_file(const std::vector<StEntry>& entries, const std::string& metadata_json = "");

std::string f32_bytes(const std::vector<float>& values);
std::vector<float> floats_of(const std::string& f32_bytes);

// Round-to-nearest-even narrowing (what PyTorch's .half()/.bfloat16() do).
uint16_t float_to_half(float f);
uint16_t float_to_bfloat16(float f);

// The fixture's tensors (all F32) converted to dtype ("F32", "F16" or
// "BF16"), in file order; key_prefix is prepended to every name.
std::vector<StEntry> fixture_entries(const std::string& dtype, const std::string& key_prefix = "");

// tests/fixtures/gpt2-shakespeare
std::string gpt2_fixture_dir();

}  // namespace nibble::test
