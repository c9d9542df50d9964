#include "converter/ir/graph.h"

#include <algorithm>

#include "converter/convert.h"
#include "converter/ir/shape_util.h"

namespace nibble::convert {

Shape Value::memory_shape() const { return nhwc ? permute_shape(shape, kNchwToNhwc) : shape; }

bool NbOp::has_activation() const {
  return out_min != -std::numeric_limits<float>::infinity() ||
         out_max != std::numeric_limits<float>::infinity();
}

const Attribute* Node::attr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

std::string Graph::unique_name(const std::string& base) {
  std::string name = base;
  for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
  names_.insert(name);
  return name;
}

int Graph::add_value(const std::string& base_name, DType dtype, const Shape& shape) {
  Value v;
  v.name = unique_name(base_name);
  v.dtype = dtype;
  v.shape = shape;
  values.push_back(std::move(v));
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_constant(const std::string& base_name, TensorData data) {
  const int id = add_value(base_name, data.dtype, data.shape);
  values[id].data = std::make_shared<const TensorData>(std::move(data));
  return id;
}

const TensorData* Graph::constant(int value) const {
  return value >= 0 ? values[value].data.get() : nullptr;
}

bool Graph::is_graph_output(int value) const {
  return std::find(outputs.begin(), outputs.end(), value) != outputs.end();
}

bool Graph::is_graph_input(int value) const {
  return std::find(inputs.begin(), inputs.end(), value) != inputs.end();
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> result(values.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int v : nodes[n].inputs) {
      if (v < 0) continue;
      auto& list = result[v];
      if (list.empty() || list.back() != static_cast<int>(n)) list.push_back(static_cast<int>(n));
    }
  }
  return result;
}

std::vector<int> Graph::producers() const {
  std::vector<int> result(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int v : nodes[n].outputs) {
      if (v >= 0) result[v] = static_cast<int>(n);
    }
  }
  return result;
}

void Graph::replace_uses(int from, int to) {
  for (Node& node : nodes) {
    for (int& v : node.inputs) {
      if (v == from) v = to;
    }
  }
}

std::string describe(const Node& node) {
  return "node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(node.opset) + ")";
}

void fail(const Node& node, const std::string& what) { throw Error(describe(node) + ": " + what); }

}  // namespace nibble::convert
