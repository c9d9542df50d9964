// The names a user's --codec/--keep globs match. ONNX exporters name nodes
// after module scopes ("/layer3/layer3.0/conv1/Conv"); users think in
// module paths ("layer3.0.conv1"), so that is the layer name.
#pragma once

#include <string>

namespace nibble::convert::quant {

// "/layer3/layer3.0/conv1/Conv" -> "layer3.0.conv1"; "/linear/Gemm" ->
// "linear"; a name without '/' is returned unchanged.
std::string layer_name(const std::string& node_name, const std::string& op_type);

// The module a weight tensor belongs to: "wte.weight" -> "wte" (a tied
// weight is read by several nodes, e.g. GPT-2's lm_head LINEAR reads
// wte's table, so the user names it by its own module). Names without
// the ".weight" suffix are returned unchanged.
std::string weight_module_name(const std::string& weight_name);

// Shell-style glob (*, ?, [..]) over the whole name.
bool glob_match(const std::string& pattern, const std::string& name);

}  // namespace nibble::convert::quant
