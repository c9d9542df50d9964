// Runs a converted .nbl image through the runtime (reference backend), for
// converter tests that compare a lowering's numbers with ONNX's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::test {

struct EvalTensor {
  std::vector<int64_t> shape;  // memory order
  std::vector<float> data;
};

// inputs in the file's input order, with the file's shapes. Fails the
// current test (and returns nothing) if the runtime refuses the model.
std::vector<EvalTensor> eval_nbl(const std::string& file_bytes, const std::vector<EvalTensor>& inputs);

}  // namespace nibble::test
