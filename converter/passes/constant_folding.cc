// Constant folding: nodes whose inputs are all constant are evaluated
// (fold_kernels.cc); every other node gets static output shapes, which are
// then checked against ONNX shape inference.
#include "converter/passes/fold_kernels.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

void fold_constants(Graph& g, ConvertReport& report) {
  std::vector<Node> kept;
  for (Node& node : g.nodes) {
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
      continue;
    }
    infer_static_shapes(g, node);
    kept.push_back(std::move(node));
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
