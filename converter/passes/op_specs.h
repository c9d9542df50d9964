// The ONNX semantics of each supported op's attributes and constant
// inputs, resolved against static input shapes. One definition used by
// static shape inference, constant folding and lowering. Every function
// throws Error naming the node when a value is invalid or unsupported.
#pragma once

#include <vector>

#include "converter/ir/graph.h"

namespace nibble::convert {

// Conv and 2-D pooling window, pads already resolved (auto_pad, and for
// ceil_mode the extra bottom/right padding).
struct WindowSpec {
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t out_h = 0, out_w = 0;
  bool ceil_extra = false;  // ceil_mode added padding beyond the given pads
};

// x_shape is NCHW; kernel is {kh, kw}. Pools read ceil_mode.
WindowSpec window_spec(const Node& node, const Shape& x_shape, const std::vector<int64_t>& kernel, bool is_pool);

// Reshape's target shape (0 and -1 resolved, allowzero honoured).
Shape reshape_target(const Node& node, const Shape& in, const TensorData& shape, bool allowzero);

struct SliceSpec {
  std::vector<int64_t> starts;  // per dim, clamped into the input
  std::vector<int64_t> steps;   // per dim, non-zero
  Shape out_shape;
};
SliceSpec slice_spec(const Graph& g, const Node& node, const Shape& in);

struct PadSpec {
  fb::PadMode mode = fb::PadMode::CONSTANT;
  std::vector<int64_t> before, after;  // per dim, >= 0
  float value = 0;
  Shape out_shape;
};
PadSpec pad_spec(const Graph& g, const Node& node, const Shape& in);

// Flatten: [prod(dims < axis), prod(dims >= axis)].
Shape flatten_shape(const Node& node, const Shape& in);
Shape squeeze_shape(const Graph& g, const Node& node, const Shape& in);
Shape unsqueeze_shape(const Graph& g, const Node& node, const Shape& in);
int concat_axis(const Node& node, size_t rank);
std::vector<int> transpose_perm(const Node& node, size_t rank);
// Softmax's single axis; for opset < 13 only when the coerced-to-2D
// semantics equal a single-axis softmax.
int softmax_axis(const Node& node, const Shape& in);

struct ClipRange {
  float min, max;
};
ClipRange clip_range(const Graph& g, const Node& node);

struct GemmSpec {
  bool trans_a = false, trans_b = false;
  float alpha = 1, beta = 1;
  int64_t m = 0, k = 0, n = 0;
};
GemmSpec gemm_spec(const Node& node, const Shape& a, const Shape& b);

// Dropout is an identity only in inference mode without the mask output.
void check_dropout_inference(const Graph& g, const Node& node);

// Values of a constant integer input (a 1-D or scalar tensor).
std::vector<int64_t> constant_ints(const Graph& g, const Node& node, size_t input, const char* what);
// A required input must be a constant; returns it.
const TensorData& require_constant(const Graph& g, const Node& node, size_t input, const char* what);

}  // namespace nibble::convert
