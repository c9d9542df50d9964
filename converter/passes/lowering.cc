#include "converter/passes/lowering.h"

#include "converter/onnx/attributes.h"
#include "converter/passes/op_specs.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

Lowering::Lowering(Graph& graph) : g(graph), consumers_(graph.consumers()), alias_(graph.values.size(), -1) {}

Node& Lowering::emit(const Node& src, fb::OpCode code, std::vector<int> inputs, std::vector<int> outputs,
                     const std::string& suffix) {
  Node n;
  n.name = src.name + suffix;
  n.op_type = src.op_type;
  n.opset = src.opset;
  n.lowered = true;
  n.nb.code = code;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  out_.push_back(std::move(n));
  return out_.back();
}

int Lowering::temp(const Node& src, const std::string& suffix, const Shape& shape) {
  return g.add_value(src.name + suffix, DType::kFloat32, shape);
}

int Lowering::activation(const Node& src, size_t k, const char* what) {
  const int v = src.input(k);
  if (v < 0) fail(src, std::string("input '") + what + "' is missing");
  if (g.is_constant(v)) fail(src, std::string("a constant '") + what + "' input is not supported");
  return v;
}

int Lowering::replace_constant(int v, const std::string& suffix, TensorData data) {
  if (v < static_cast<int>(consumers_.size()) && consumers_[v].size() == 1 && !g.is_graph_output(v)) {
    Value& value = g.values[v];
    value.shape = data.shape;
    value.dtype = data.dtype;
    value.data = std::make_shared<const TensorData>(std::move(data));
    return v;
  }
  return g.add_constant(g.values[v].name + suffix, std::move(data));
}

void Lowering::lower_reshape_like(const Node& node) {
  const int x = activation(node, 0, "data");
  emit(node, fb::OpCode::RESHAPE, {x}, {node.outputs[0]});
}

void Lowering::lower(const Node& node) {
  const std::string& op = node.op_type;
  const int y = node.outputs.empty() ? -1 : node.outputs[0];
  if (op == "Conv") return lower_conv(*this, node);
  if (op == "MaxPool" || op == "AveragePool") return lower_pool(*this, node);
  if (op == "GlobalAveragePool") return lower_global_average_pool(*this, node);
  if (op == "Gemm") return lower_gemm(*this, node);
  if (op == "MatMul") return lower_matmul(*this, node);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    Node& n = emit(node, fb::OpCode::BINARY, {node.input(0), node.input(1)}, {y});
    n.nb.binary = op == "Add"   ? fb::BinaryKind::ADD
                  : op == "Sub" ? fb::BinaryKind::SUB
                  : op == "Mul" ? fb::BinaryKind::MUL
                                : fb::BinaryKind::DIV;
    return;
  }
  if (op == "Relu" || op == "Clip") {
    const int x = activation(node, 0, "input");
    const ClipRange r = op == "Relu" ? ClipRange{0.0f, std::numeric_limits<float>::infinity()} : clip_range(g, node);
    Node& n = emit(node, fb::OpCode::CLAMP, {x}, {y});
    n.nb.out_min = r.min;
    n.nb.out_max = r.max;
    return;
  }
  if (op == "Identity" || op == "Dropout" || op == "Cast") {
    const int x = activation(node, 0, "input");
    if (g.is_graph_output(y)) {
      emit(node, fb::OpCode::RESHAPE, {x}, {y});  // a copy keeps the output's name
    } else {
      alias_[y] = x;
    }
    return;
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") return lower_reshape_like(node);
  if (op == "Transpose") {
    const int x = activation(node, 0, "data");
    Node& n = emit(node, fb::OpCode::TRANSPOSE, {x}, {y});
    n.nb.perm = transpose_perm(node, g.values[x].shape.size());
    return;
  }
  if (op == "Slice") {
    const int x = activation(node, 0, "data");
    const SliceSpec s = slice_spec(g, node, g.values[x].shape);
    Node& n = emit(node, fb::OpCode::SLICE, {x}, {y});
    n.nb.starts = s.starts;
    n.nb.steps = s.steps;
    return;
  }
  if (op == "Pad") {
    const int x = activation(node, 0, "data");
    const PadSpec p = pad_spec(g, node, g.values[x].shape);
    Node& n = emit(node, fb::OpCode::PAD, {x}, {y});
    n.nb.pad_mode = p.mode;
    n.nb.pad_value = p.value;
    for (size_t d = 0; d < p.before.size(); ++d) {
      n.nb.pads.push_back(p.before[d]);
      n.nb.pads.push_back(p.after[d]);
    }
    return;
  }
  if (op == "Concat") {
    for (int v : node.inputs) {
      if (v >= 0 && g.values[v].dtype != DType::kFloat32) fail(node, "non-float inputs are not supported");
    }
    Node& n = emit(node, fb::OpCode::CONCAT, node.inputs, {y});
    n.nb.axis = concat_axis(node, g.values[node.input(0)].shape.size());
    return;
  }
  if (op == "Softmax") {
    const int x = activation(node, 0, "input");
    Node& n = emit(node, fb::OpCode::SOFTMAX, {x}, {y});
    n.nb.axis = softmax_axis(node, g.values[x].shape);
    return;
  }
  fail(node, "operator is not supported");
}

void Lowering::run() {
  std::vector<Node> nodes = std::move(g.nodes);
  for (Node& node : nodes) {
    for (int& v : node.inputs) {
      while (v >= 0 && v < static_cast<int>(alias_.size()) && alias_[v] >= 0) v = alias_[v];
    }
    for (int v : node.outputs) {
      if (v >= 0 && g.values[v].dtype != DType::kFloat32) fail(node, "a non-float output is not supported");
    }
    lower(node);
  }
  for (int& v : g.outputs) {
    while (v < static_cast<int>(alias_.size()) && alias_[v] >= 0) v = alias_[v];
  }
  g.nodes = std::move(out_);
}

void lower_to_nibble(Graph& g) { Lowering(g).run(); }

}  // namespace nibble::convert
