// Conv -> CONV2D (weights OIHW -> OHWI), MaxPool/AveragePool -> the 2-D
// pools, GlobalAveragePool.
#include "converter/onnx/attributes.h"
#include "converter/passes/lowering.h"
#include "converter/passes/op_specs.h"

namespace nibble::convert {

namespace {

void set_window(NbOp& nb, const WindowSpec& w) {
  nb.kernel_h = w.kernel_h;
  nb.kernel_w = w.kernel_w;
  nb.stride_h = w.stride_h;
  nb.stride_w = w.stride_w;
  nb.dilation_h = w.dilation_h;
  nb.dilation_w = w.dilation_w;
  nb.pad_top = w.pad_top;
  nb.pad_left = w.pad_left;
  nb.pad_bottom = w.pad_bottom;
  nb.pad_right = w.pad_right;
}

}  // namespace

void lower_conv(Lowering& l, const Node& node) {
  Graph& g = l.g;
  const int x = l.activation(node, 0, "X");
  const TensorData& w = require_constant(g, node, 1, "W");
  const Shape xs = g.values[x].shape;
  if (!w.is_float() || w.shape.size() != 4) fail(node, "W must be a float 4-D tensor (only 2-D convolution)");
  const int64_t groups = attr_int(node, "group", 1);
  const int64_t out_c = w.shape[0];
  if (groups < 1 || xs[1] % groups != 0 || out_c % groups != 0 || w.shape[1] != xs[1] / groups) {
    fail(node, "group=" + std::to_string(groups) + " does not match X " + shape_string(xs) + " and W " +
                   shape_string(w.shape));
  }
  const auto kernel_attr = attr_ints(node, "kernel_shape", {w.shape[2], w.shape[3]});
  if (kernel_attr != std::vector<int64_t>{w.shape[2], w.shape[3]}) fail(node, "kernel_shape differs from W's shape");
  const WindowSpec spec = window_spec(node, xs, {w.shape[2], w.shape[3]}, false);

  std::vector<int> inputs = {x, l.replace_constant(node.input(1), "_ohwi", transpose_data(w, {0, 2, 3, 1}))};
  if (node.input(2) >= 0) {
    const TensorData& b = require_constant(g, node, 2, "B");
    if (!b.is_float() || b.numel() != out_c) fail(node, "B must be float [M]");
    inputs.push_back(node.input(2));
  }
  Node& n = l.emit(node, fb::OpCode::CONV2D, inputs, {node.outputs[0]});
  set_window(n.nb, spec);
  n.nb.groups = static_cast<int>(groups);
}

void lower_pool(Lowering& l, const Node& node) {
  Graph& g = l.g;
  const bool is_max = node.op_type == "MaxPool";
  const int x = l.activation(node, 0, "X");
  if (is_max && attr_int(node, "storage_order", 0) != 0) fail(node, "storage_order=1 is not supported");
  if (!is_max) {
    for (int64_t d : attr_ints(node, "dilations", {1, 1})) {
      if (d != 1) fail(node, "dilations are not supported in AveragePool");
    }
  }
  const WindowSpec spec = window_spec(node, g.values[x].shape, attr_ints(node, "kernel_shape"), true);
  const bool count_include_pad = !is_max && attr_int(node, "count_include_pad", 0) != 0;
  if (spec.ceil_extra && count_include_pad) {
    // Whether the ceil overhang counts in the divisor differs between
    // frameworks; refuse rather than guess.
    fail(node, "ceil_mode=1 with count_include_pad=1 is not supported");
  }
  Node& n = l.emit(node, is_max ? fb::OpCode::MAX_POOL2D : fb::OpCode::AVERAGE_POOL2D, {x}, {node.outputs[0]});
  set_window(n.nb, spec);
  n.nb.count_include_pad = count_include_pad;
}

void lower_global_average_pool(Lowering& l, const Node& node) {
  const int x = l.activation(node, 0, "X");
  l.emit(node, fb::OpCode::GLOBAL_AVERAGE_POOL, {x}, {node.outputs[0]});
}

}  // namespace nibble::convert
