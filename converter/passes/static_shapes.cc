#include <set>

#include "converter/ir/shape_util.h"
#include "converter/onnx/attributes.h"
#include "converter/passes/fold_kernels.h"
#include "converter/passes/op_specs.h"
#include "converter/passes/passes.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

namespace {

const Shape& in_shape(const Graph& g, const Node& node, size_t k) {
  const int v = node.input(k);
  if (v < 0) fail(node, "input " + std::to_string(k) + " is missing");
  return g.values[v].shape;
}

void set_output(Graph& g, const Node& node, size_t k, const Shape& shape) {
  if (k >= node.outputs.size() || node.outputs[k] < 0) return;
  Value& v = g.values[node.outputs[k]];
  v.shape = shape;
  v.dtype = DType::kFloat32;
}

void no_extra_outputs(const Node& node, size_t allowed, const char* what) {
  for (size_t k = allowed; k < node.outputs.size(); ++k) {
    if (node.outputs[k] >= 0) fail(node, std::string(what) + " is not supported");
  }
}

}  // namespace

void infer_static_shapes(Graph& g, const Node& node) {
  const std::string& op = node.op_type;
  if (is_fold_only_op(op)) {
    fail(node, "a non-constant input is not supported (this op must fold to a constant)");
  }
  for (int v : node.inputs) {
    if (v >= 0 && !g.values[v].is_constant() && g.values[v].dtype != DType::kFloat32) {
      fail(node, std::string("a non-constant ") + dtype_name(g.values[v].dtype) + " input ('" + g.values[v].name +
                     "') is not supported");
    }
  }
  const Shape& x = in_shape(g, node, 0);
  if (op == "Conv") {
    const Shape& w = in_shape(g, node, 1);
    if (w.size() != 4 || x.size() != 4) {
      fail(node, "a " + std::to_string(static_cast<int>(w.size()) - 2) + "-D convolution (only 2-D) is not supported");
    }
    const WindowSpec s = window_spec(node, x, {w[2], w[3]}, false);
    set_output(g, node, 0, {x[0], w[0], s.out_h, s.out_w});
  } else if (op == "MaxPool" || op == "AveragePool") {
    no_extra_outputs(node, 1, "the indices output");
    const auto kernel = attr_ints(node, "kernel_shape");
    if (kernel.size() != 2 || x.size() != 4) {
      fail(node, "a " + std::to_string(kernel.size()) + "-D pool (only 2-D) is not supported");
    }
    const WindowSpec s = window_spec(node, x, kernel, true);
    set_output(g, node, 0, {x[0], x[1], s.out_h, s.out_w});
  } else if (op == "GlobalAveragePool") {
    if (x.size() != 4) fail(node, "a " + std::to_string(x.size()) + "-D input (only 4-D) is not supported");
    set_output(g, node, 0, {x[0], x[1], 1, 1});
  } else if (op == "Gemm") {
    const GemmSpec s = gemm_spec(node, x, in_shape(g, node, 1));
    // ONNX's Gemm shape inference does not look at C; a C that does not
    // (unidirectionally) broadcast to [M,N] would reach the file as a BINARY
    // of mismatched operands.
    if (node.input(2) >= 0) {
      const Shape& c = g.values[node.input(2)].shape;
      const auto out = broadcast_shapes({s.m, s.n}, c);
      if (!out || *out != Shape{s.m, s.n}) {
        fail(node, "C of shape " + shape_string(c) + " does not broadcast to [" + std::to_string(s.m) + "," +
                       std::to_string(s.n) + "]");
      }
    }
    set_output(g, node, 0, {s.m, s.n});
  } else if (op == "MatMul") {
    const Shape& b = in_shape(g, node, 1);
    if (b.size() != 2) fail(node, "a B input of rank " + std::to_string(b.size()) + " (only 2-D) is not supported");
    if (x.empty() || x.back() != b[0]) fail(node, "inner dimensions differ");
    Shape out = x;
    out.back() = b[1];
    if (x.size() == 1) out = {b[1]};
    set_output(g, node, 0, out);
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    const auto out = broadcast_shapes(x, in_shape(g, node, 1));
    if (!out) fail(node, "input shapes do not broadcast");
    set_output(g, node, 0, *out);
  } else if (op == "Relu" || op == "Clip" || op == "Identity" || op == "Softmax") {
    set_output(g, node, 0, x);
  } else if (op == "Dropout") {
    check_dropout_inference(g, node);
    set_output(g, node, 0, x);
  } else if (op == "BatchNormalization") {
    no_extra_outputs(node, 1, "training outputs (mean, var)");
    set_output(g, node, 0, x);
  } else if (op == "Cast") {
    const int64_t to = attr_int(node, "to", 0);
    if (to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE) {
      fail(node, "casting an activation to element type " + std::to_string(to) + " is not supported");
    }
    set_output(g, node, 0, x);
  } else if (op == "Reshape") {
    if (node.opset < 5) fail(node, "Reshape with a 'shape' attribute (opset < 5) is not supported");
    const bool allowzero = node.opset >= 14 && attr_int(node, "allowzero", 0) != 0;
    set_output(g, node, 0, reshape_target(node, x, require_constant(g, node, 1, "shape"), allowzero));
  } else if (op == "Flatten") {
    set_output(g, node, 0, flatten_shape(node, x));
  } else if (op == "Squeeze") {
    set_output(g, node, 0, squeeze_shape(g, node, x));
  } else if (op == "Unsqueeze") {
    set_output(g, node, 0, unsqueeze_shape(g, node, x));
  } else if (op == "Transpose") {
    set_output(g, node, 0, permute_shape(x, transpose_perm(node, x.size())));
  } else if (op == "Slice") {
    set_output(g, node, 0, slice_spec(g, node, x).out_shape);
  } else if (op == "Pad") {
    set_output(g, node, 0, pad_spec(g, node, x).out_shape);
  } else if (op == "Concat") {
    const int axis = concat_axis(node, x.size());
    Shape out = x;
    out[axis] = 0;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const Shape& s = in_shape(g, node, k);
      if (s.size() != x.size()) fail(node, "inputs differ in rank");
      for (size_t d = 0; d < s.size(); ++d) {
        if (static_cast<int>(d) != axis && s[d] != x[d]) fail(node, "inputs differ in shape off the axis");
      }
      out[axis] += s[axis];
    }
    set_output(g, node, 0, out);
  } else {
    fail(node, "operator is not supported");
  }
}

}  // namespace nibble::convert
