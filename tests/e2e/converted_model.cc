#include "converted_model.h"

#include <gtest/gtest.h>

#include <map>

#include "converter/convert.h"

namespace nibble::testing {

const std::string& converted_fixture(const std::string& onnx_name) {
  static std::map<std::string, std::string> converted;
  auto it = converted.find(onnx_name);
  if (it != converted.end()) return it->second;
  const std::string out = ::testing::TempDir() + "/" + onnx_name + ".nbl";
  try {
    convert::convert_onnx_file(std::string(NIBBLE_FIXTURES_DIR) + "/" + onnx_name, out, {});
  } catch (const std::exception& e) {
    ADD_FAILURE() << "converting " << onnx_name << ": " << e.what();
  }
  return converted.emplace(onnx_name, out).first->second;
}

}  // namespace nibble::testing
