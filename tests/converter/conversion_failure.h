// The contract every failed conversion keeps: a convert::Error with a
// one-line message naming the model file, the output path's previous
// contents untouched, and no other file (no temporary) left behind.
#pragma once

#include <string>

#include "converter/convert.h"
#include "tests/converter/test_util.h"

namespace nibble::test {

// Converts dir/MODEL (ONNX) to dir/out.nbl, which holds "previous" before
// the call, expecting failure; checks the contract and returns the message.
std::string expect_onnx_failure(const TempDir& dir, const std::string& model = "m.onnx",
                                const convert::ConvertOptions& options = {});

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

}  // namespace nibble::test
