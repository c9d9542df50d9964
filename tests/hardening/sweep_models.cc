#include "sweep_models.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "../e2e/converted_model.h"
#include "../runtime/encoded_cases.h"
#include "../runtime/test_model_builder.h"

namespace nibble::testing {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> encoded_case(const char* name) {
  for (const Case& c : kCases) {
    if (std::string(c.name) == name) return build_encoded_linear(build(c).spec);
  }
  ADD_FAILURE() << "no encoded case " << name;
  return {};
}

}  // namespace

std::vector<uint8_t> sweep_model_bytes(const std::string& id) {
  if (id == "builder_linear") {
    Knobs k;
    k.write_tokenizer = true;  // so flips reach the tokenizer checks too
    k.tokenizer = byte_level_tokenizer();
    return build_model(k);
  }
  if (id == "builder_q4_0") return encoded_case("q4_0");
  if (id == "builder_lut3") return encoded_case("lut3_g32");
  if (id == "resnet20_f32") return read_file(converted_fixture("resnet20_cifar10.onnx"));
  if (id == "resnet20_q4_0") return read_file(converted_fixture("resnet20_cifar10.onnx", "q4_0"));
  if (id == "gpt2_q4_0") return read_file(converted_gpt2("q4_0", 8));
  ADD_FAILURE() << "unknown sweep model " << id;
  return {};
}

}  // namespace nibble::testing
