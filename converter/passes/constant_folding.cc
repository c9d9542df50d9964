// Constant folding: nodes whose inputs are all constant are evaluated
// (fold_kernels.cc); every other node gets static output shapes, which are
// then checked against ONNX shape inference.
#include "converter/passes/fold_kernels.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

namespace {

// Folds node into constants, or gives its outputs static shapes and keeps it.
void fold_or_shape(Graph& g, Node& node, ConvertReport& report, std::vector<Node>& kept) {
  if (auto folded = try_fold(g, node)) {
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const int v = node.outputs[k];
      if (v < 0) continue;
      if (k >= folded->size()) fail(node, "output " + std::to_string(k) + " is not supported");
      Value& value = g.values[v];
      value.dtype = (*folded)[k].dtype;
      value.shape = (*folded)[k].shape;
      value.data = std::make_shared<const TensorData>(std::move((*folded)[k]));
    }
    ++report.folded_nodes;
    return;
  }
  infer_static_shapes(g, node);
  for (int v : node.outputs) {
    if (v >= 0) shape_numel(g.values[v].shape);  // throws for a shape past the limits
  }
  kept.push_back(std::move(node));
}

}  // namespace

void fold_constants(Graph& g, ConvertReport& report) {
  std::vector<Node> kept;
  for (Node& node : g.nodes) {
    try {
      fold_or_shape(g, node, report, kept);
    } catch (const Error& e) {
      // Shape errors from the IR helpers (shape_numel) do not know the node.
      const std::string msg = e.what();
      if (msg.rfind("node '", 0) == 0) throw;
      fail(node, msg);
    }
  }
  g.nodes = std::move(kept);
  // Our shapes must agree with every dim ONNX shape inference knows.
  for (const Value& v : g.values) {
    if (!v.has_onnx_shape) continue;
    bool same = v.onnx_shape.size() == v.shape.size();
    for (size_t d = 0; same && d < v.shape.size(); ++d) {
      same = v.onnx_shape[d] < 0 || v.onnx_shape[d] == v.shape[d];
    }
    if (!same) {
      throw Error("internal error: tensor '" + v.name + "': the converter computed shape " + shape_string(v.shape) +
                  " but ONNX shape inference says " + shape_string(v.onnx_shape));
    }
  }
}

}  // namespace nibble::convert
