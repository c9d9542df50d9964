// NHWC layout. Spatial ops (CONV2D, the pools) read and write NHWC;
// layout-agnostic ops (BINARY, CLAMP, PAD, SLICE, CONCAT, SOFTMAX) follow
// their inputs or the consumer that wants NHWC, with axis-valued options
// and constant operands remapped; everything else (RESHAPE, TRANSPOSE,
// LINEAR, graph inputs and outputs) sees the ONNX order, so a TRANSPOSE is
// inserted wherever the two meet.
#include <map>

#include "converter/ir/shape_util.h"
#include "converter/passes/passes.h"

namespace nibble::convert {

namespace {

bool is_spatial(fb::OpCode c) {
  return c == fb::OpCode::CONV2D || c == fb::OpCode::MAX_POOL2D || c == fb::OpCode::AVERAGE_POOL2D ||
         c == fb::OpCode::GLOBAL_AVERAGE_POOL;
}

bool is_agnostic(fb::OpCode c) {
  return c == fb::OpCode::BINARY || c == fb::OpCode::CLAMP || c == fb::OpCode::PAD || c == fb::OpCode::SLICE ||
         c == fb::OpCode::CONCAT || c == fb::OpCode::SOFTMAX;
}

class LayoutPass {
 public:
  explicit LayoutPass(Graph& g) : g_(g), wants_(g.values.size(), false) {}

  void run(ConvertReport& report) {
    find_nhwc_wishes();
    std::vector<Node> nodes = std::move(g_.nodes);
    for (int v : g_.inputs) {
      if (is_4d_activation(v) && wants_[v]) to_layout(v, true, nullptr);
    }
    for (Node& node : nodes) place(node);
    fix_graph_outputs();
    g_.nodes = std::move(out_);
    report.transposes_inserted += inserted_;
  }

 private:
  bool is_4d_activation(int v) const { return v >= 0 && !g_.is_constant(v) && g_.values[v].shape.size() == 4; }

  // Backward: a 4-D activation wants NHWC if a spatial op reads it, or an
  // agnostic op whose output wants NHWC reads it.
  void find_nhwc_wishes() {
    for (auto it = g_.nodes.rbegin(); it != g_.nodes.rend(); ++it) {
      const Node& n = *it;
      if (is_spatial(n.nb.code)) {
        wants_[n.inputs[0]] = true;
      } else if (is_agnostic(n.nb.code) && wants_[n.outputs[0]]) {
        for (int v : n.inputs) {
          if (is_4d_activation(v)) wants_[v] = true;
        }
      }
    }
  }

  bool can_run_nhwc(const Node& n) const {
    if (g_.values[n.outputs[0]].shape.size() != 4) return false;
    for (int v : n.inputs) {
      if (v >= 0 && !g_.is_constant(v) && g_.values[v].shape.size() != 4) return false;
    }
    return true;
  }

  bool available_nhwc(int v) const { return g_.values[v].nhwc || twins_.count({v, true}); }

  bool choose_nhwc(const Node& n) const {
    if (is_spatial(n.nb.code)) return true;
    if (!is_agnostic(n.nb.code) || !can_run_nhwc(n)) return false;
    if (wants_[n.outputs[0]]) return true;
    for (int v : n.inputs) {
      if (is_4d_activation(v) && available_nhwc(v)) return true;
    }
    return false;
  }

  // v in the requested layout, inserting a TRANSPOSE the first time.
  int to_layout(int v, bool nhwc, const Node* before) {
    if (g_.values[v].nhwc == nhwc) return v;
    auto it = twins_.find({v, nhwc});
    if (it != twins_.end()) return it->second;
    const Value src = g_.values[v];
    const int twin = g_.add_value(src.name + (nhwc ? "_nhwc" : "_nchw"), DType::kFloat32, src.shape);
    g_.values[twin].nhwc = nhwc;
    Node t;
    t.name = before ? before->name + "/to_" + (nhwc ? "nhwc" : "nchw") : src.name + "/to_nhwc";
    t.op_type = "Transpose";
    t.opset = g_.default_opset;
    t.lowered = true;
    t.nb.code = fb::OpCode::TRANSPOSE;
    t.nb.perm = nhwc ? kNchwToNhwc : kNhwcToNchw;
    t.inputs = {v};
    t.outputs = {twin};
    out_.push_back(std::move(t));
    twins_[{v, nhwc}] = twin;
    twins_[{twin, !nhwc}] = v;
    ++inserted_;
    return twin;
  }

  // A constant operand of an NHWC BINARY or CONCAT: rank 4, NHWC order.
  int nhwc_constant(int v) {
    auto it = nhwc_constants_.find(v);
    if (it != nhwc_constants_.end()) return it->second;
    TensorData t = *g_.constant(v);
    if (t.shape.size() > 4) return v;
    t.shape.insert(t.shape.begin(), 4 - t.shape.size(), 1);
    const int c = g_.add_constant(g_.values[v].name + "_nhwc", transpose_data(t, kNchwToNhwc));
    nhwc_constants_[v] = c;
    return c;
  }

  void place(Node& n) {
    const bool nhwc = choose_nhwc(n);
    n.nhwc = nhwc;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int v = n.inputs[k];
      if (v < 0) continue;
      if (g_.is_constant(v)) {
        if (nhwc && (n.nb.code == fb::OpCode::BINARY || n.nb.code == fb::OpCode::CONCAT)) {
          n.inputs[k] = nhwc_constant(v);
        }
        continue;
      }
      const bool data_input = !is_spatial(n.nb.code) || k == 0;
      if (!data_input) continue;
      n.inputs[k] = to_layout(v, nhwc && g_.values[v].shape.size() == 4, &n);
    }
    if (nhwc) {
      g_.values[n.outputs[0]].nhwc = true;
      remap_axes(n.nb);
    }
    out_.push_back(std::move(n));
  }

  static void remap_axes(NbOp& nb) {
    switch (nb.code) {
      case fb::OpCode::PAD: {
        std::vector<int64_t> pads(8);
        for (int i = 0; i < 4; ++i) {
          pads[2 * i] = nb.pads[2 * kNchwToNhwc[i]];
          pads[2 * i + 1] = nb.pads[2 * kNchwToNhwc[i] + 1];
        }
        nb.pads = pads;
        break;
      }
      case fb::OpCode::SLICE:
        nb.starts = permute_vector(nb.starts, kNchwToNhwc);
        nb.steps = permute_vector(nb.steps, kNchwToNhwc);
        break;
      case fb::OpCode::CONCAT:
      case fb::OpCode::SOFTMAX:
        nb.axis = kNhwcToNchw[nb.axis];
        break;
      default:
        break;
    }
  }

  // Graph outputs keep the ONNX order and their names.
  void fix_graph_outputs() {
    std::map<int, int> done;
    for (int& o : g_.outputs) {
      if (!g_.values[o].nhwc) continue;
      auto it = done.find(o);
      if (it != done.end()) {
        o = it->second;
        continue;
      }
      Node anchor;
      anchor.name = g_.values[o].name;
      const int twin = to_layout(o, false, &anchor);
      std::swap(g_.values[o].name, g_.values[twin].name);
      done[o] = twin;
      o = twin;
    }
  }

  Graph& g_;
  std::vector<bool> wants_;
  std::map<std::pair<int, bool>, int> twins_;
  std::map<int, int> nhwc_constants_;
  std::vector<Node> out_;
  int inserted_ = 0;
};

}  // namespace

void assign_nhwc_layout(Graph& g, ConvertReport& report) { LayoutPass(g).run(report); }

}  // namespace nibble::convert
