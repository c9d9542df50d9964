// CLAMP (from Relu or Clip) merged into the op that produces its input,
// when nothing else reads that op's output.
#include <algorithm>

#include "converter/passes/passes.h"

namespace nibble::convert {

namespace {

bool accepts_activation(fb::OpCode code) {
  switch (code) {
    case fb::OpCode::CONV2D:
    case fb::OpCode::LINEAR:
    case fb::OpCode::BINARY:
    case fb::OpCode::MAX_POOL2D:
    case fb::OpCode::AVERAGE_POOL2D:
    case fb::OpCode::GLOBAL_AVERAGE_POOL:
    case fb::OpCode::CLAMP:
      return true;
    default:
      return false;
  }
}

}  // namespace

void fuse_activations(Graph& g, ConvertReport& report) {
  const std::vector<std::vector<int>> consumers = g.consumers();
  const std::vector<int> producers = g.producers();
  std::vector<bool> removed(g.nodes.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    Node& clamp = g.nodes[n];
    if (!clamp.lowered || clamp.nb.code != fb::OpCode::CLAMP) continue;
    const int x = clamp.inputs[0];
    const int p = producers[x];
    if (p < 0 || removed[p]) continue;
    Node& producer = g.nodes[p];
    if (!producer.lowered || !accepts_activation(producer.nb.code)) continue;
    if (consumers[x].size() != 1 || g.is_graph_output(x)) continue;
    // clamp(clamp(v, a, b), c, d) == clamp(v, max(a, c), min(b, d)) when
    // the ranges intersect.
    const float lo = std::max(producer.nb.out_min, clamp.nb.out_min);
    const float hi = std::min(producer.nb.out_max, clamp.nb.out_max);
    if (!(lo <= hi)) continue;
    producer.nb.out_min = lo;
    producer.nb.out_max = hi;
    producer.outputs[0] = clamp.outputs[0];
    removed[n] = true;
    ++report.fused_activations;
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!removed[n]) kept.push_back(std::move(g.nodes[n]));
  }
  g.nodes = std::move(kept);
}

}  // namespace nibble::convert
