// The contract between the executor and every implementation of an op
// (reference, XNNPACK, and later the fused quantized kernels).
//
// Session creation turns each Operator of the file into an OpParams (after
// checking every value) and binds TensorViews into the arena or the
// model's data; run() then only calls the implementation. All shapes are
// static. 4-D tensors of the spatial ops (conv, pooling) are NHWC, and
// convolution weights are OHWI: [out_channels, kernel_h, kernel_w,
// in_channels / groups].
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "nibble/status.h"

namespace nibble {

constexpr int kMaxRank = 6;
constexpr int kMaxOpInputs = 16;  // Concat may have many inputs
constexpr int kMaxOpOutputs = 1;

struct TensorView {
  // Float elements (int32 for EMBEDDING's ids); for an encoded constant
  // (packed != null), the start of its segment, which only the codec
  // decoders read.
  float* data = nullptr;
  const codec::PackedWeights* packed = nullptr;
  int32_t rank = 0;
  int64_t dims[kMaxRank] = {0};
  // dims[0] is the sequence axis: the session sets it to the current
  // run's row count (at most the planned maximum) before ops run.
  bool sequence = false;

  int64_t numel() const {
    int64_t n = 1;
    for (int32_t i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
};

// Mirrors schema OpCode; values equal.
enum class OpCode : uint16_t {
  kConv2d = 0,
  kLinear = 1,
  kBinary = 2,
  kClamp = 3,
  kMaxPool2d = 4,
  kAveragePool2d = 5,
  kGlobalAveragePool = 6,
  kReshape = 7,
  kPad = 8,
  kSlice = 9,
  kConcat = 10,
  kSoftmax = 11,
  kTranspose = 12,
  kEmbedding = 13,
  kLayerNorm = 14,
  kGelu = 15,
  kAttention = 16,
};
constexpr int kNumOpCodes = 17;

const char* op_code_name(OpCode code);

// Output clamp fused into an op; [-inf, +inf] means none.
struct Activation {
  float min;
  float max;
};

struct Window2d {
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
};

struct Conv2dParams {
  Window2d window;
  int32_t groups;
  Activation activation;
};

struct LinearParams {
  Activation activation;
};

enum class BinaryKind : uint8_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };

struct BinaryParams {
  BinaryKind kind;
  Activation activation;
};

struct ClampParams {
  Activation activation;
};

struct Pool2dParams {
  Window2d window;
  bool count_include_pad;  // average pooling only
  Activation activation;
};

struct GlobalPoolParams {
  Activation activation;
};

enum class PadMode : uint8_t { kConstant = 0, kReflect = 1, kEdge = 2 };

struct PadParams {
  PadMode mode;
  int64_t before[kMaxRank];
  int64_t after[kMaxRank];
  float value;
};

struct SliceParams {
  int64_t starts[kMaxRank];
  int64_t steps[kMaxRank];  // non-zero, may be negative
};

struct ConcatParams {
  int32_t axis;  // in [0, rank)
};

struct SoftmaxParams {
  int32_t axis;  // in [0, rank)
};

struct TransposeParams {
  int32_t perm[kMaxRank];
};

struct EmbeddingParams {
  bool positional;  // rows position .. position + S - 1 instead of ids
};

struct LayerNormParams {
  float epsilon;  // > 0, finite
};

enum class GeluApproximation : uint8_t { kTanh = 0, kErf = 1 };

struct GeluParams {
  GeluApproximation approximation;
};

struct AttentionParams {
  int32_t num_heads;      // > 0, divides E
  int32_t max_positions;  // > 0: the key/value cache's capacity
};

struct OpParams {
  OpCode code;
  union {
    Conv2dParams conv2d;
    LinearParams linear;
    BinaryParams binary;
    ClampParams clamp;
    Pool2dParams pool2d;
    GlobalPoolParams global_pool;
    PadParams pad;
    SliceParams slice;
    ConcatParams concat;
    SoftmaxParams softmax;
    TransposeParams transpose;
    EmbeddingParams embedding;
    LayerNormParams layer_norm;
    GeluParams gelu;
    AttentionParams attention;
  };
};

// The session's sequence state, which stateful ops (ATTENTION, positional
// EMBEDDING) read during run(): `position` tokens are already held in the
// key/value caches; this run's rows are positions position ..
// position + rows - 1. The session checks position + rows against every
// op's limit before running and advances position afterwards.
struct SequenceState {
  int64_t position = 0;
  int64_t rows = 0;
};

// One op, bound: what every implementation receives. Input/output views
// point into the arena or into the model's constant data; their shapes are
// final. For CONV2D the inputs are {x, weights, bias?}; for LINEAR
// {x[M,K], weights[N,K], bias[N]?}; for EMBEDDING {ids[S], table[V,E]}.
// Only the weights of CONV2D and LINEAR and the table of EMBEDDING may be
// encoded (TensorView::packed).
struct BoundOp {
  const char* name;  // for error messages; never null
  OpParams params;
  int32_t num_inputs;
  int32_t num_outputs;
  TensorView inputs[kMaxOpInputs];
  TensorView outputs[kMaxOpOutputs];
  // The session's sequence state (never null once bound).
  const SequenceState* sequence = nullptr;
  // Op state owned by the session, state_bytes(op) bytes, NOT zeroed (so
  // an unused cache costs no resident memory): ops write a position's
  // state before they read it. ATTENTION's key/value cache and score
  // scratch. Null for stateless ops.
  float* state = nullptr;
  // Fused LINEAR: input 1 repacked by the session for its one-row kernel
  // (fused::repacked_weight_bytes), or null: the kernels read `packed`.
  const uint8_t* repacked_weight = nullptr;
};

}  // namespace nibble
