// Reads the gpt2-shakespeare test fixture (tests/fixtures/gpt2-shakespeare,
// a Hugging Face GPT-2 checkpoint) for the tests that run it on the
// reference ops directly: F32 tensors of model.safetensors by name, and the
// integer lists of reference.json. Test code: a format error fails the
// test, and the parsing is only as general as these two files need.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace nibble::test {

inline std::string read_fixture(const std::string& name) {
  const std::string path = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The integers of `"key": [a, b, ...]` in a JSON text.
inline std::vector<int64_t> json_int_list(const std::string& json, const std::string& key) {
  std::vector<int64_t> out;
  size_t at = json.find("\"" + key + "\"");
  if (at == std::string::npos || (at = json.find('[', at)) == std::string::npos) {
    ADD_FAILURE() << "no list " << key;
    return out;
  }
  const size_t end = json.find(']', at);
  std::string number;
  for (size_t i = at + 1; i <= end; ++i) {
    const char c = json[i];
    if ((c >= '0' && c <= '9') || c == '-') {
      number += c;
    } else if (!number.empty()) {
      out.push_back(std::stoll(number));
      number.clear();
    }
  }
  return out;
}

// model.safetensors: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}},
// then the data.
class SafeTensors {
 public:
  SafeTensors() : bytes_(read_fixture("model.safetensors")) {
    uint64_t n = 0;
    if (bytes_.size() >= 8) std::memcpy(&n, bytes_.data(), 8);  // the test host is little-endian
    EXPECT_LE(n, bytes_.size() - 8);
    header_ = bytes_.substr(8, n);
    data_ = 8 + n;
  }

  // The tensor's floats and its shape.
  std::vector<float> get(const std::string& name, std::vector<int64_t>* shape = nullptr) const {
    const size_t at = header_.find("\"" + name + "\"");
    EXPECT_NE(at, std::string::npos) << name;
    if (at == std::string::npos) return {};
    const std::string entry = header_.substr(at, header_.find('}', at) - at);
    EXPECT_NE(entry.find("\"F32\""), std::string::npos) << name;
    const std::vector<int64_t> offsets = json_int_list(entry, "data_offsets");
    if (shape != nullptr) *shape = json_int_list(entry, "shape");
    EXPECT_EQ(offsets.size(), 2u);
    if (offsets.size() != 2 || offsets[1] < offsets[0] || data_ + offsets[1] > bytes_.size()) return {};
    std::vector<float> out(static_cast<size_t>(offsets[1] - offsets[0]) / sizeof(float));
    std::memcpy(out.data(), bytes_.data() + data_ + offsets[0], out.size() * sizeof(float));
    return out;
  }

 private:
  std::string bytes_;
  std::string header_;
  size_t data_ = 0;
};

}  // namespace nibble::test
