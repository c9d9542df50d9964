// Evaluation of ONNX nodes whose inputs are all constants.
#pragma once

#include <optional>
#include <vector>

#include "converter/ir/graph.h"

namespace nibble::convert {

// Ops that exist only to compute constants: they must fold, or the model
// is not supported.
bool is_fold_only_op(const std::string& op_type);

// Outputs of node if it can be evaluated now (all needed inputs constant),
// else nullopt. Shape and Size need only their input's static shape.
std::optional<std::vector<TensorData>> try_fold(const Graph& g, const Node& node);

}  // namespace nibble::convert
