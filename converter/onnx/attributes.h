// ONNX node attributes: import from AttributeProto and typed getters that
// fail with the node's name when an attribute has the wrong kind.
#pragma once

#include <string>
#include <vector>

#include "converter/ir/graph.h"

namespace onnx {
class AttributeProto;
}

namespace nibble::convert {

Attribute import_attribute(const onnx::AttributeProto& proto, const std::string& node_name);

int64_t attr_int(const Node& node, const std::string& key, int64_t fallback);
float attr_float(const Node& node, const std::string& key, float fallback);
std::string attr_string(const Node& node, const std::string& key, const std::string& fallback);
std::vector<int64_t> attr_ints(const Node& node, const std::string& key,
                               const std::vector<int64_t>& fallback = {});
std::vector<float> attr_floats(const Node& node, const std::string& key);
bool has_attr(const Node& node, const std::string& key);

}  // namespace nibble::convert
