#include "converted_model.h"

#include <gtest/gtest.h>

#include <map>

#include "converter/convert.h"
#include "support/temp_path.h"

namespace nibble::testing {

const std::string& converted_fixture(const std::string& onnx_name, const std::string& codec) {
  static std::map<std::string, std::string> converted;
  const std::string key = onnx_name + (codec.empty() ? "" : "." + codec);
  auto it = converted.find(key);
  if (it != converted.end()) return it->second;
  std::string file = key;
  for (char& c : file) {
    if (c == ':' || c == ',' || c == '=') c = '_';
  }
  const std::string out = process_temp_path(file + ".nbl");
  convert::ConvertOptions options;
  if (!codec.empty()) options.codecs.push_back(codec);
  try {
    convert::convert_onnx_file(std::string(NIBBLE_FIXTURES_DIR) + "/" + onnx_name, out, options);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "converting " << key << ": " << e.what();
  }
  return converted.emplace(key, out).first->second;
}

const std::string& converted_gpt2(const std::string& codec, int64_t max_tokens) {
  static std::map<std::string, std::string> converted;
  const std::string key = "gpt2-shakespeare" + (codec.empty() ? "" : "." + codec) + "." + std::to_string(max_tokens);
  auto it = converted.find(key);
  if (it != converted.end()) return it->second;
  std::string file = key;
  for (char& c : file) {
    if (c == ':' || c == ',' || c == '=' || c == '*') c = '_';
  }
  const std::string out = process_temp_path(file + ".nbl");
  convert::ConvertOptions options;
  if (!codec.empty()) options.codecs.push_back(codec);
  options.max_tokens = max_tokens;
  try {
    convert::convert_hf_checkpoint(std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare", out, options);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "converting " << key << ": " << e.what();
  }
  return converted.emplace(key, out).first->second;
}

}  // namespace nibble::testing
