// Converts a fixture ONNX model once per test binary, into the test's
// temporary directory, and hands out its path.
#pragma once

#include <string>

namespace nibble::testing {

// Converts NIBBLE_FIXTURES_DIR/<onnx_name> to TempDir()/<onnx_name>.nbl the
// first time it is asked for; aborts the test (FAIL) on a converter error.
// With a codec (nibble-convert's --codec SPEC), its weights are quantized
// with it: TempDir()/<onnx_name>.<codec>.nbl.
const std::string& converted_fixture(const std::string& onnx_name, const std::string& codec = "");

}  // namespace nibble::testing
