#include "converter/passes/op_specs.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>

#include "converter/ir/shape_util.h"
#include "converter/onnx/attributes.h"

namespace nibble::convert {

const TensorData& require_constant(const Graph& g, const Node& node, size_t input, const char* what) {
  const int v = node.input(input);
  if (v < 0) fail(node, std::string("input '") + what + "' is missing");
  const TensorData* t = g.constant(v);
  if (!t) fail(node, std::string("a non-constant '") + what + "' input is not supported");
  return *t;
}

std::vector<int64_t> constant_ints(const Graph& g, const Node& node, size_t input, const char* what) {
  const TensorData& t = require_constant(g, node, input, what);
  if (t.is_float()) fail(node, std::string("input '") + what + "' must be an integer tensor");
  if (t.shape.size() > 1) fail(node, std::string("input '") + what + "' must be 1-D");
  return t.i;
}

namespace {

std::vector<int64_t> two_ints(const Node& node, const char* key, int64_t fallback) {
  std::vector<int64_t> v = attr_ints(node, key, {fallback, fallback});
  if (v.size() != 2) fail(node, std::string("'") + key + "' with " + std::to_string(v.size()) +
                                    " values (only 2-D windows) is not supported");
  for (int64_t x : v) {
    if (x < 1) fail(node, std::string("'") + key + "' must be >= 1");
    if (x > (1 << 20)) fail(node, std::string("'") + key + "' is too large");
  }
  return v;
}

int checked_int(const Node& node, int64_t v, const char* what) {
  if (v < 0 || v > (1 << 24)) fail(node, std::string(what) + " " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}

}  // namespace

WindowSpec window_spec(const Node& node, const Shape& x, const std::vector<int64_t>& kernel, bool is_pool) {
  if (x.size() != 4) {
    fail(node, "a " + std::to_string(x.size()) + "-D input (only 2-D spatial, NCHW) is not supported");
  }
  if (kernel.size() != 2) {
    fail(node, "a " + std::to_string(kernel.size()) + "-D kernel (only 2-D) is not supported");
  }
  WindowSpec w;
  w.kernel_h = checked_int(node, kernel[0], "kernel height");
  w.kernel_w = checked_int(node, kernel[1], "kernel width");
  if (w.kernel_h < 1 || w.kernel_w < 1) fail(node, "kernel size must be >= 1");
  const auto strides = two_ints(node, "strides", 1);
  const auto dilations = two_ints(node, "dilations", 1);
  w.stride_h = static_cast<int>(strides[0]);
  w.stride_w = static_cast<int>(strides[1]);
  w.dilation_h = static_cast<int>(dilations[0]);
  w.dilation_w = static_cast<int>(dilations[1]);
  const int64_t ek_h = static_cast<int64_t>(w.kernel_h - 1) * w.dilation_h + 1;
  const int64_t ek_w = static_cast<int64_t>(w.kernel_w - 1) * w.dilation_w + 1;
  const int64_t in_h = x[2], in_w = x[3];

  const std::string auto_pad = attr_string(node, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    w.out_h = (in_h + w.stride_h - 1) / w.stride_h;
    w.out_w = (in_w + w.stride_w - 1) / w.stride_w;
    const int64_t total_h = std::max<int64_t>(0, (w.out_h - 1) * w.stride_h + ek_h - in_h);
    const int64_t total_w = std::max<int64_t>(0, (w.out_w - 1) * w.stride_w + ek_w - in_w);
    const bool upper = auto_pad == "SAME_UPPER";
    w.pad_top = checked_int(node, upper ? total_h / 2 : total_h - total_h / 2, "pad");
    w.pad_bottom = checked_int(node, total_h - w.pad_top, "pad");
    w.pad_left = checked_int(node, upper ? total_w / 2 : total_w - total_w / 2, "pad");
    w.pad_right = checked_int(node, total_w - w.pad_left, "pad");
    return w;
  }
  if (auto_pad == "VALID") {
    // pads stay 0
  } else if (auto_pad == "NOTSET" || auto_pad.empty()) {
    const auto pads = attr_ints(node, "pads", {0, 0, 0, 0});
    if (pads.size() != 4) fail(node, "'pads' must have 4 values for a 2-D window");
    for (int64_t p : pads) {
      if (p < 0) fail(node, "negative pads are not supported");
    }
    w.pad_top = checked_int(node, pads[0], "pad");
    w.pad_left = checked_int(node, pads[1], "pad");
    w.pad_bottom = checked_int(node, pads[2], "pad");
    w.pad_right = checked_int(node, pads[3], "pad");
  } else {
    fail(node, "auto_pad '" + auto_pad + "' is not supported");
  }
  const int64_t span_h = in_h + w.pad_top + w.pad_bottom - ek_h;
  const int64_t span_w = in_w + w.pad_left + w.pad_right - ek_w;
  if (span_h < 0 || span_w < 0) fail(node, "the window is larger than the padded input");
  const bool ceil_mode = is_pool && attr_int(node, "ceil_mode", 0) != 0;
  if (ceil_mode) {
    w.out_h = (span_h + w.stride_h - 1) / w.stride_h + 1;
    w.out_w = (span_w + w.stride_w - 1) / w.stride_w + 1;
    const int64_t extra_h = (w.out_h - 1) * w.stride_h - span_h;
    const int64_t extra_w = (w.out_w - 1) * w.stride_w - span_w;
    w.ceil_extra = extra_h > 0 || extra_w > 0;
    w.pad_bottom += static_cast<int>(extra_h);
    w.pad_right += static_cast<int>(extra_w);
  } else {
    w.out_h = span_h / w.stride_h + 1;
    w.out_w = span_w / w.stride_w + 1;
  }
  return w;
}

Shape reshape_target(const Node& node, const Shape& in, const TensorData& shape, bool allowzero) {
  if (shape.is_float() || shape.shape.size() != 1) fail(node, "the shape input must be a 1-D integer tensor");
  Shape out(shape.i.begin(), shape.i.end());
  int infer = -1;
  int64_t known = 1;
  bool has_zero = false;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] == -1) {
      if (infer >= 0) fail(node, "more than one -1 in the shape");
      infer = static_cast<int>(k);
      continue;
    }
    if (out[k] < -1) fail(node, "negative dimension " + std::to_string(out[k]) + " in the shape");
    if (out[k] == 0 && !allowzero) {
      if (k >= in.size()) fail(node, "shape entry 0 at an index beyond the input's rank");
      out[k] = in[k];
    }
    if (out[k] == 0) has_zero = true;
    if (__builtin_mul_overflow(known, out[k], &known)) {
      fail(node, "cannot reshape " + shape_string(in) + " to " + shape_string(out) + " (the count overflows int64)");
    }
  }
  const int64_t total = shape_numel(in);
  if (infer >= 0) {
    if (allowzero && has_zero) fail(node, "allowzero with both 0 and -1 in the shape");
    if (known == 0 || total % known != 0) {
      fail(node, "cannot reshape " + shape_string(in) + " to " + shape_string(Shape(shape.i.begin(), shape.i.end())));
    }
    out[infer] = total / known;
  } else if (known != total) {
    fail(node, "cannot reshape " + shape_string(in) + " to " + shape_string(out));
  }
  return out;
}

SliceSpec slice_spec(const Graph& g, const Node& node, const Shape& in) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.opset < 10) {
    starts = attr_ints(node, "starts");
    ends = attr_ints(node, "ends");
    axes = attr_ints(node, "axes");
  } else {
    starts = constant_ints(g, node, 1, "starts");
    ends = constant_ints(g, node, 2, "ends");
    if (node.input(3) >= 0) axes = constant_ints(g, node, 3, "axes");
    if (node.input(4) >= 0) steps = constant_ints(g, node, 4, "steps");
  }
  if (axes.empty()) {
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    fail(node, "starts, ends, axes and steps differ in length");
  }
  SliceSpec s;
  s.starts.assign(rank, 0);
  s.steps.assign(rank, 1);
  s.out_shape = in;
  std::vector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    const auto axis = normalize_axis(axes[k], rank);
    if (!axis) fail(node, "slice axis " + std::to_string(axes[k]) + " is out of range");
    if (seen[*axis]) fail(node, "slice axis " + std::to_string(axes[k]) + " is repeated");
    seen[*axis] = true;
    const int64_t dim = in[*axis];
    const int64_t step = steps[k];
    if (step == 0) fail(node, "a slice step of 0 is invalid");
    int64_t start = starts[k], end = ends[k];
    if (start < 0) start += dim;  // INT64_MIN + dim cannot overflow
    if (end < 0) end += dim;
    int64_t count = 0;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    if (count == 0 || dim == 0) start = 0;
    s.starts[*axis] = start;
    s.steps[*axis] = step;
    s.out_shape[*axis] = count;
  }
  return s;
}

PadSpec pad_spec(const Graph& g, const Node& node, const Shape& in) {
  const size_t rank = in.size();
  PadSpec p;
  std::vector<int64_t> pads;
  std::string mode = attr_string(node, "mode", "constant");
  if (node.opset < 11) {
    pads = attr_ints(node, node.opset < 2 ? "paddings" : "pads");
    p.value = attr_float(node, "value", 0.0f);
  } else {
    pads = constant_ints(g, node, 1, "pads");
    if (node.input(2) >= 0) {
      const TensorData& v = require_constant(g, node, 2, "constant_value");
      if (v.numel() != 1) fail(node, "constant_value must be a scalar");
      p.value = static_cast<float>(v.get(0));
    }
    if (node.input(3) >= 0) fail(node, "the 'axes' input is not supported");
  }
  if (pads.size() != 2 * rank) fail(node, "pads must have 2 * rank values");
  if (mode == "constant") {
    p.mode = fb::PadMode::CONSTANT;
  } else if (mode == "reflect") {
    p.mode = fb::PadMode::REFLECT;
  } else if (mode == "edge") {
    p.mode = fb::PadMode::EDGE;
  } else {
    fail(node, "pad mode '" + mode + "' is not supported");
  }
  p.out_shape = in;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t b = pads[d], e = pads[d + rank];
    if (b < 0 || e < 0) fail(node, "negative pads are not supported");
    if (p.mode == fb::PadMode::REFLECT && (b > 0 || e > 0) && (b >= in[d] || e >= in[d])) {
      fail(node, "reflect padding of at least the dimension's size is not supported");
    }
    if (p.mode == fb::PadMode::EDGE && (b > 0 || e > 0) && in[d] == 0) {
      fail(node, "edge padding of an empty dimension is invalid");
    }
    p.before.push_back(b);
    p.after.push_back(e);
    if (__builtin_add_overflow(in[d], b, &p.out_shape[d]) || __builtin_add_overflow(p.out_shape[d], e, &p.out_shape[d])) {
      fail(node, "pads overflow the output dimension");
    }
  }
  return p;
}

Shape flatten_shape(const Node& node, const Shape& in) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const int64_t axis_attr = attr_int(node, "axis", 1);
  // Flatten's axis may equal rank.
  const auto axis = axis_attr == rank ? std::optional<int>(static_cast<int>(rank)) : normalize_axis(axis_attr, rank);
  if (!axis) fail(node, "axis " + std::to_string(axis_attr) + " is out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < *axis ? outer : inner) *= in[d];
  return {outer, inner};
}

Shape squeeze_shape(const Graph& g, const Node& node, const Shape& in) {
  std::vector<int64_t> axes;
  if (node.opset < 13) {
    axes = attr_ints(node, "axes");
  } else if (node.input(1) >= 0) {
    axes = constant_ints(g, node, 1, "axes");
  }
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(rank, false);
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) drop[d] = in[d] == 1;
  }
  for (int64_t a : axes) {
    const auto axis = normalize_axis(a, rank);
    if (!axis) fail(node, "axis " + std::to_string(a) + " is out of range");
    if (in[*axis] != 1) fail(node, "cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(in[*axis]));
    drop[*axis] = true;
  }
  Shape out;
  for (int64_t d = 0; d < rank; ++d) {
    if (!drop[d]) out.push_back(in[d]);
  }
  return out;
}

Shape unsqueeze_shape(const Graph& g, const Node& node, const Shape& in) {
  const std::vector<int64_t> axes = node.opset < 13 ? attr_ints(node, "axes") : constant_ints(g, node, 1, "axes");
  const int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    const auto axis = normalize_axis(a, rank);
    if (!axis) fail(node, "axis " + std::to_string(a) + " is out of range");
    if (inserted[*axis]) fail(node, "axis " + std::to_string(a) + " is repeated");
    inserted[*axis] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  return out;
}

int concat_axis(const Node& node, size_t rank) {
  if (!has_attr(node, "axis")) {
    if (node.opset >= 4) fail(node, "attribute 'axis' is missing");
  }
  const int64_t a = attr_int(node, "axis", 1);
  const auto axis = normalize_axis(a, static_cast<int64_t>(rank));
  if (!axis) fail(node, "axis " + std::to_string(a) + " is out of range");
  return *axis;
}

std::vector<int> transpose_perm(const Node& node, size_t rank) {
  std::vector<int64_t> perm = attr_ints(node, "perm");
  if (perm.empty()) {
    for (size_t k = 0; k < rank; ++k) perm.push_back(static_cast<int64_t>(rank - 1 - k));
  }
  if (!is_valid_perm(perm, rank)) fail(node, "'perm' is not a permutation of the input's axes");
  return std::vector<int>(perm.begin(), perm.end());
}

int softmax_axis(const Node& node, const Shape& in) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const int64_t a = attr_int(node, "axis", node.opset >= 13 ? -1 : 1);
  const auto axis = normalize_axis(a, rank);
  if (!axis) fail(node, "axis " + std::to_string(a) + " is out of range");
  if (node.opset >= 13) return *axis;
  // Before opset 13 the input is coerced to 2-D at axis: the softmax runs
  // over all of dims [axis, rank). That is one axis when at most one of
  // them is larger than 1.
  int chosen = -1;
  for (int64_t d = *axis; d < rank; ++d) {
    if (in[d] == 1) continue;
    if (chosen >= 0) {
      fail(node, "axis " + std::to_string(a) + " over several dimensions (opset < 13 coerce-to-2D semantics) "
                 "is not supported");
    }
    chosen = static_cast<int>(d);
  }
  return chosen >= 0 ? chosen : *axis;
}

ClipRange clip_range(const Graph& g, const Node& node) {
  ClipRange r{-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
  if (node.opset < 11) {
    r.min = attr_float(node, "min", -FLT_MAX);
    r.max = attr_float(node, "max", FLT_MAX);
    return r;
  }
  for (size_t k = 1; k <= 2; ++k) {
    if (node.input(k) < 0) continue;
    const TensorData& t = require_constant(g, node, k, k == 1 ? "min" : "max");
    if (t.numel() != 1) fail(node, "clip bounds must be scalars");
    (k == 1 ? r.min : r.max) = static_cast<float>(t.get(0));
  }
  return r;
}

void check_dropout_inference(const Graph& g, const Node& node) {
  if (node.outputs.size() > 1 && node.outputs[1] >= 0) fail(node, "the mask output is not supported");
  if (node.input(2) >= 0) {
    const TensorData& mode = require_constant(g, node, 2, "training_mode");
    if (mode.numel() != 1 || mode.get(0) != 0) fail(node, "training_mode=1 is not supported");
  }
  if (node.opset < 7 && attr_int(node, "is_test", 0) == 0) fail(node, "is_test=0 is not supported");
}

GemmSpec gemm_spec(const Node& node, const Shape& a, const Shape& b) {
  GemmSpec s;
  s.trans_a = attr_int(node, "transA", 0) != 0;
  s.trans_b = attr_int(node, "transB", 0) != 0;
  s.alpha = attr_float(node, "alpha", 1.0f);
  s.beta = attr_float(node, "beta", 1.0f);
  if (a.size() != 2 || b.size() != 2) fail(node, "inputs A and B must be 2-D");
  s.m = s.trans_a ? a[1] : a[0];
  s.k = s.trans_a ? a[0] : a[1];
  const int64_t kb = s.trans_b ? b[1] : b[0];
  s.n = s.trans_b ? b[0] : b[1];
  if (kb != s.k) fail(node, "inner dimensions differ: " + shape_string(a) + " x " + shape_string(b));
  return s;
}

}  // namespace nibble::convert
