// Clean-up after the layout pass: TRANSPOSE of TRANSPOSE composes,
// RESHAPE of RESHAPE and SLICE of SLICE merge, a TRANSPOSE that keeps the
// bytes in order is a RESHAPE, and a RESHAPE that changes nothing goes.
// Every rule works on memory shapes, which is what the file stores.
#include "converter/ir/shape_util.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

namespace {

class Peephole {
 public:
  explicit Peephole(Graph& g) : g_(g) {}

  bool run_once() {
    consumers_ = g_.consumers();
    producers_ = g_.producers();
    bool changed = false;
    for (size_t n = 0; n < g_.nodes.size(); ++n) {
      Node& node = g_.nodes[n];
      if (!node.lowered) continue;
      switch (node.nb.code) {
        case fb::OpCode::TRANSPOSE: changed |= simplify_transpose(node); break;
        case fb::OpCode::RESHAPE: changed |= simplify_reshape(node); break;
        case fb::OpCode::SLICE: changed |= merge_slices(node); break;
        default: break;
      }
      if (changed) return true;  // maps are stale; start over
    }
    return false;
  }

 private:
  // The node producing v if v is only read by one node and is not a graph
  // output, and that node has the given code.
  Node* sole_producer(int v, fb::OpCode code) {
    const int p = producers_[v];
    if (p < 0 || consumers_[v].size() != 1 || g_.is_graph_output(v)) return nullptr;
    Node& n = g_.nodes[p];
    return n.lowered && n.nb.code == code ? &n : nullptr;
  }

  Shape mem(int v) const { return g_.values[v].memory_shape(); }

  // Drops node (a copy now) by pointing its readers at its input.
  bool bypass(Node& node) {
    const int in = node.inputs[0], out = node.outputs[0];
    if (g_.is_graph_output(out)) return false;
    if (mem(in) != mem(out)) return false;
    g_.replace_uses(out, in);
    node.outputs[0] = g_.add_value(g_.values[out].name + "_dead", DType::kFloat32, g_.values[out].shape);
    node.inputs.clear();
    node.lowered = true;
    node.nb.code = fb::OpCode::RESHAPE;
    return true;
  }

  bool simplify_transpose(Node& node) {
    if (Node* first = sole_producer(node.inputs[0], fb::OpCode::TRANSPOSE)) {
      node.nb.perm = compose_perms(first->nb.perm, node.nb.perm);
      node.inputs[0] = first->inputs[0];
      return true;
    }
    if (transpose_is_reshape(mem(node.inputs[0]), node.nb.perm)) {
      node.nb.code = fb::OpCode::RESHAPE;
      node.nb.perm.clear();
      return true;
    }
    return false;
  }

  bool simplify_reshape(Node& node) {
    if (node.inputs.empty()) return false;
    if (Node* first = sole_producer(node.inputs[0], fb::OpCode::RESHAPE)) {
      if (!first->inputs.empty()) {
        node.inputs[0] = first->inputs[0];
        return true;
      }
    }
    return bypass(node);
  }

  bool merge_slices(Node& node) {
    Node* first = sole_producer(node.inputs[0], fb::OpCode::SLICE);
    if (!first || first->nb.starts.size() != node.nb.starts.size()) return false;
    const Shape out = mem(node.outputs[0]);
    for (size_t d = 0; d < out.size(); ++d) {
      node.nb.starts[d] = out[d] == 0 ? 0 : first->nb.starts[d] + node.nb.starts[d] * first->nb.steps[d];
      node.nb.steps[d] = first->nb.steps[d] * node.nb.steps[d];
    }
    node.inputs[0] = first->inputs[0];
    return true;
  }

  Graph& g_;
  std::vector<std::vector<int>> consumers_;
  std::vector<int> producers_;
};

}  // namespace

void simplify_layout_ops(Graph& g) {
  Peephole p(g);
  for (int round = 0; round < 10000 && p.run_once(); ++round) {
    remove_dead_code(g);
  }
  remove_dead_code(g);
}

}  // namespace nibble::convert
