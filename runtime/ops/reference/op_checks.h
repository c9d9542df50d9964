// Internal to the reference ops: shared shape/parameter checks, small
// loop helpers and the per-op entry points that reference_ops.cc
// dispatches to. Not part of any public interface.
#pragma once

#include <cstdint>
#include <limits>

#include "ops/op_params.h"

namespace nibble::ref {

// Every tensor's byte size must fit in an int64_t, so every element index
// and byte offset computed by the ops fits too.
constexpr uint64_t kMaxElements =
    static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / sizeof(float);

inline const char* op_name(const BoundOp& op) { return op.name != nullptr ? op.name : "(unnamed)"; }

// Error with the "op '<name>' (<Kind>): " prefix every message carries.
// `op` must be in scope.
#define NIBBLE_OP_ERROR(status_code, fmt, ...)                                 \
  NIBBLE_ERROR(status_code, "op '%s' (%s): " fmt, ::nibble::ref::op_name(op),        \
               ::nibble::op_code_name(op.params.code), ##__VA_ARGS__)

// "[1,2,3]" for messages.
struct DimsText {
  char text[128];
};
DimsText format_dims(const int64_t* dims, int32_t rank);

// num_outputs == 1 and min_inputs <= num_inputs <= max_inputs.
Status check_arity(const BoundOp& op, int32_t min_inputs, int32_t max_inputs);

// rank in [min_rank, max_rank], data non-null and float aligned, every dim
// >= 1, element count (as bytes) fits in int64. `role` names the tensor in
// the message ("input 0", "weights", "output").
Status check_tensor(const BoundOp& op, const TensorView& t, const char* role, int32_t min_rank,
                    int32_t max_rank);

// op.outputs[0] has exactly `rank` dims equal to `expected`.
Status check_output_shape(const BoundOp& op, const int64_t* expected, int32_t rank);

// min <= max and neither is NaN.
Status check_activation(const BoundOp& op, const Activation& act);

// Window parameters in range (kernel, stride, dilation >= 1, pads >= 0) and
// the output extent of the padded input [H, W]; fails if it is below 1.
Status check_window(const BoundOp& op, const Window2d& w, int64_t height, int64_t width,
                    int64_t* out_height, int64_t* out_width);

// No input's bytes overlap the output's, except that an input identical to
// the output (same pointer, same element count) is allowed when
// `allow_in_place`, and any overlap is allowed when `allow_any`.
Status check_no_overlap(const BoundOp& op, bool allow_in_place, bool allow_any);

// Clamp to a fused activation; NaN passes through.
inline float activate(float v, const Activation& act) {
  return v < act.min ? act.min : (v > act.max ? act.max : v);
}

inline bool is_identity(const Activation& act) {
  return act.min == -std::numeric_limits<float>::infinity() &&
         act.max == std::numeric_limits<float>::infinity();
}

// Row-major element strides of `t`.
inline void contiguous_strides(const TensorView& t, int64_t* strides) {
  int64_t s = 1;
  for (int32_t i = t.rank - 1; i >= 0; --i) {
    strides[i] = s;
    s *= t.dims[i];
  }
}

// Advances the multi-index idx over dims[0..count) (last fastest);
// returns false after the last index.
inline bool next_index(int64_t* idx, const int64_t* dims, int32_t count) {
  for (int32_t d = count - 1; d >= 0; --d) {
    if (++idx[d] < dims[d]) return true;
    idx[d] = 0;
  }
  return false;
}

// Conv2d NHWC x OHWI; also backs Linear. Precondition: checked shapes.
struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
  int64_t groups;
};
// Weights as rows (output channels) of `cols` values: plain floats, or
// encoded (packed non-null) and decoded chunk by chunk.
struct WeightRows {
  const float* f32;
  const codec::PackedWeights* packed;
  int64_t cols;
};

void conv2d_nhwc(const ConvGeometry& g, const float* x, const WeightRows& w, const float* bias,
                 float* out, const Activation& act);

// Per-op checks (arity and op-specific; the dispatcher adds the overlap
// check) and runs.
Status check_conv2d(const BoundOp& op);
void run_conv2d(const BoundOp& op);
Status check_linear(const BoundOp& op);
void run_linear(const BoundOp& op);
Status check_binary(const BoundOp& op);
void run_binary(const BoundOp& op);
Status check_clamp(const BoundOp& op);
void run_clamp(const BoundOp& op);
Status check_pool2d(const BoundOp& op);  // max and average
void run_max_pool2d(const BoundOp& op);
void run_average_pool2d(const BoundOp& op);
Status check_global_pool(const BoundOp& op);
void run_global_pool(const BoundOp& op);
Status check_reshape(const BoundOp& op);
void run_reshape(const BoundOp& op);
Status check_pad(const BoundOp& op);
void run_pad(const BoundOp& op);
Status check_slice(const BoundOp& op);
void run_slice(const BoundOp& op);
Status check_concat(const BoundOp& op);
void run_concat(const BoundOp& op);
Status check_softmax(const BoundOp& op);
void run_softmax(const BoundOp& op);
Status check_transpose(const BoundOp& op);
void run_transpose(const BoundOp& op);
Status check_embedding(const BoundOp& op);
void run_embedding(const BoundOp& op);
// Every id of a (non-positional) EMBEDDING in [0, V): the run-time check.
Status check_embedding_ids(const BoundOp& op);
Status check_layer_norm(const BoundOp& op);
void run_layer_norm(const BoundOp& op);
Status check_gelu(const BoundOp& op);
void run_gelu(const BoundOp& op);
Status check_attention(const BoundOp& op);
void run_attention(const BoundOp& op);
// Bytes of the key/value cache and score scratch; 0 on overflow (which
// check_attention rejects).
uint64_t attention_state_bytes(const BoundOp& op);

}  // namespace nibble::ref
