// Removes every node that no graph output depends on.
#include "converter/passes/passes.h"

namespace nibble::convert {

void remove_dead_code(Graph& g) {
  std::vector<bool> live(g.values.size(), false);
  for (int v : g.outputs) live[v] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (int n = static_cast<int>(g.nodes.size()) - 1; n >= 0; --n) {
    const Node& node = g.nodes[n];
    for (int v : node.outputs) {
      if (v >= 0 && live[v]) keep[n] = true;
    }
    if (!keep[n]) continue;
    for (int v : node.inputs) {
      if (v >= 0) live[v] = true;
    }
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (keep[n]) kept.push_back(std::move(g.nodes[n]));
  }
  g.nodes = std::move(kept);
}

}  // namespace nibble::convert
