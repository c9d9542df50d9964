// Shared state of the lowering pass (ONNX nodes -> nibble operators); the
// op-specific parts live in lower_conv_pool.cc and gemm_lowering.cc.
#pragma once

#include <string>
#include <vector>

#include "converter/ir/graph.h"

namespace nibble::convert {

class Lowering {
 public:
  explicit Lowering(Graph& graph);
  void run();

  // Appends a lowered node made from src (name + suffix, same op type and
  // opset for messages).
  Node& emit(const Node& src, fb::OpCode code, std::vector<int> inputs, std::vector<int> outputs,
             const std::string& suffix = "");
  // A new float activation named after src.
  int temp(const Node& src, const std::string& suffix, const Shape& shape);
  // Input k of src, which must be a non-constant tensor.
  int activation(const Node& src, size_t k, const char* what);
  // A constant to replace value v's data with: in place when src is its
  // only reader, else a new constant.
  int replace_constant(int v, const std::string& suffix, TensorData data);

  Graph& g;

 private:
  void lower(const Node& node);
  void lower_reshape_like(const Node& node);

  std::vector<std::vector<int>> consumers_;
  std::vector<int> alias_;
  std::vector<Node> out_;
};

void lower_conv(Lowering& l, const Node& node);
void lower_pool(Lowering& l, const Node& node);
void lower_global_average_pool(Lowering& l, const Node& node);
void lower_gemm(Lowering& l, const Node& node);
void lower_matmul(Lowering& l, const Node& node);

}  // namespace nibble::convert
