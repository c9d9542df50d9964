// Converts a fixture ONNX model once per test binary, into the test's
// temporary directory, and hands out its path.
#pragma once

#include <cstdint>
#include <string>

namespace nibble::testing {

// Converts NIBBLE_FIXTURES_DIR/<onnx_name> to a file of this process
// (support/temp_path.h), removed at exit, the first time it is asked for; aborts the test (FAIL) on a converter error.
// With a codec (nibble-convert's --codec SPEC), its weights are quantized
// with it (a file per codec).
const std::string& converted_fixture(const std::string& onnx_name, const std::string& codec = "");

// The same for the Hugging Face GPT-2 fixture (fixtures/gpt2-shakespeare),
// with a codec and a row count per run (0: the converter's default).
const std::string& converted_gpt2(const std::string& codec = "", int64_t max_tokens = 0);

}  // namespace nibble::testing
