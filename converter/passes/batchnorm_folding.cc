#include <cmath>

#include "converter/onnx/attributes.h"
#include "converter/passes/op_specs.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

namespace {

// y = x * scale + shift per channel (axis 1), in double.
struct ChannelAffine {
  std::vector<double> scale, shift;
};

ChannelAffine batchnorm_affine(const Graph& g, const Node& bn) {
  if (attr_int(bn, "training_mode", 0) != 0) fail(bn, "training_mode=1 is not supported");
  if (bn.opset < 9 && attr_int(bn, "spatial", 1) == 0) fail(bn, "spatial=0 is not supported");
  const Shape& x = g.values[bn.input(0)].shape;
  if (x.size() < 2) fail(bn, "an input of rank < 2 is invalid");
  const int64_t c = x[1];
  const char* names[] = {"scale", "B", "input_mean", "input_var"};
  const TensorData* p[4];
  for (int k = 0; k < 4; ++k) {
    p[k] = &require_constant(g, bn, k + 1, names[k]);
    if (!p[k]->is_float() || p[k]->numel() != c) fail(bn, std::string("'") + names[k] + "' must be float [C]");
  }
  const double eps = attr_float(bn, "epsilon", 1e-5f);
  ChannelAffine a;
  for (int64_t i = 0; i < c; ++i) {
    const double s = p[0]->f[i] / std::sqrt(static_cast<double>(p[3]->f[i]) + eps);
    a.scale.push_back(s);
    a.shift.push_back(p[1]->f[i] - p[2]->f[i] * s);
  }
  return a;
}

// True if conv can absorb an affine map of its output.
bool foldable_conv(const Graph& g, const Node& conv, const std::vector<std::vector<int>>& consumers) {
  if (conv.op_type != "Conv" || conv.outputs.size() != 1) return false;
  const int out = conv.outputs[0];
  if (consumers[out].size() != 1 || g.is_graph_output(out)) return false;
  const TensorData* w = g.constant(conv.input(1));
  if (!w || !w->is_float() || w->shape.empty()) return false;
  if (conv.input(2) >= 0) {
    const TensorData* b = g.constant(conv.input(2));
    if (!b || !b->is_float() || b->numel() != w->shape[0]) return false;
  }
  return true;
}

void fold_into_conv(Graph& g, Node& conv, const Node& bn, const ChannelAffine& a) {
  const TensorData& w = *g.constant(conv.input(1));
  const int64_t out_channels = w.shape[0];
  if (static_cast<int64_t>(a.scale.size()) != out_channels) fail(bn, "channel count differs from the Conv's");
  TensorData w2 = w;
  const int64_t per_channel = w.numel() / std::max<int64_t>(out_channels, 1);
  for (int64_t o = 0; o < out_channels; ++o) {
    for (int64_t k = 0; k < per_channel; ++k) {
      w2.f[o * per_channel + k] = static_cast<float>(w.f[o * per_channel + k] * a.scale[o]);
    }
  }
  TensorData b2 = TensorData::zeros(DType::kFloat32, {out_channels});
  const TensorData* b = g.constant(conv.input(2));
  for (int64_t o = 0; o < out_channels; ++o) {
    b2.f[o] = static_cast<float>((b ? b->f[o] : 0.0) * a.scale[o] + a.shift[o]);
  }
  const int w_id = g.add_constant(g.values[conv.input(1)].name + "_bn", std::move(w2));
  const int b_id = g.add_constant(conv.input(2) >= 0 ? g.values[conv.input(2)].name + "_bn" : conv.name + ".bias",
                                  std::move(b2));
  conv.inputs = {conv.input(0), w_id, b_id};
  conv.outputs[0] = bn.outputs[0];
}

}  // namespace

void fold_batchnorms(Graph& g, ConvertReport& report) {
  const std::vector<std::vector<int>> consumers = g.consumers();
  const std::vector<int> producers = g.producers();
  std::vector<Node> out;
  std::vector<int> position(g.nodes.size(), -1);  // old index -> index in out
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    Node& node = g.nodes[n];
    if (node.op_type != "BatchNormalization") {
      position[n] = static_cast<int>(out.size());
      out.push_back(std::move(node));
      continue;
    }
    const ChannelAffine a = batchnorm_affine(g, node);
    const int x = node.input(0);
    const int producer = producers[x];
    if (producer >= 0 && position[producer] >= 0 && foldable_conv(g, out[position[producer]], consumers)) {
      fold_into_conv(g, out[position[producer]], node, a);
      ++report.batchnorms_folded;
      continue;
    }
    // Standalone: y = x * scale + shift with [C, 1, ...] constants.
    const Shape xs = g.values[x].shape;
    Shape cshape(xs.size() - 1, 1);
    cshape[0] = xs[1];
    std::vector<float> scale(a.scale.begin(), a.scale.end()), shift(a.shift.begin(), a.shift.end());
    const int s_id = g.add_constant(node.name + ".scale", TensorData::from_floats(cshape, scale));
    const int t_id = g.add_constant(node.name + ".shift", TensorData::from_floats(cshape, shift));
    const int mid = g.add_value(node.name + ".scaled", DType::kFloat32, xs);
    Node mul = node;
    mul.attrs.clear();
    mul.op_type = "Mul";
    mul.name = node.name + "/mul";
    mul.inputs = {x, s_id};
    mul.outputs = {mid};
    Node add = mul;
    add.op_type = "Add";
    add.name = node.name + "/add";
    add.inputs = {mid, t_id};
    add.outputs = {node.outputs[0]};
    out.push_back(std::move(mul));
    out.push_back(std::move(add));
    ++report.batchnorms_lowered;
  }
  g.nodes = std::move(out);
}

}  // namespace nibble::convert
