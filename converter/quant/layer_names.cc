#include "converter/quant/layer_names.h"

#include <fnmatch.h>

#include <vector>

namespace nibble::convert::quant {

std::string layer_name(const std::string& node_name, const std::string& op_type) {
  if (node_name.find('/') == std::string::npos) return node_name;
  std::vector<std::string> scopes;
  size_t start = 0;
  while (start <= node_name.size()) {
    const size_t slash = node_name.find('/', start);
    const std::string part = node_name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) scopes.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  // The last scope is the node itself ("Conv", "Gemm_1"): drop it when it
  // names the op.
  if (scopes.size() > 1 && scopes.back().compare(0, op_type.size(), op_type) == 0) scopes.pop_back();
  if (scopes.empty()) return node_name;
  // Nested module scopes repeat their parent's path: layer3 / layer3.0.
  std::string name = scopes[0];
  for (size_t k = 1; k < scopes.size(); ++k) {
    name = scopes[k].compare(0, name.size() + 1, name + ".") == 0 ? scopes[k] : name + "." + scopes[k];
  }
  return name;
}

std::string weight_module_name(const std::string& weight_name) {
  const std::string suffix = ".weight";
  if (weight_name.size() <= suffix.size() ||
      weight_name.compare(weight_name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return weight_name;
  }
  return weight_name.substr(0, weight_name.size() - suffix.size());
}

bool glob_match(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace nibble::convert::quant
