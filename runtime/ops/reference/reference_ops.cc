// Dispatch of the reference ops on params.code.
#include "ops/reference/reference_ops.h"

#include <cstdint>

#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_op(const BoundOp& op) {
  // Counts first: every per-op check indexes inputs[] / outputs[].
  if (op.num_outputs != 1) {
    return NIBBLE_OP_ERROR(kMalformed, "has %d outputs, expected 1", op.num_outputs);
  }
  if (op.num_inputs < 1 || op.num_inputs > kMaxOpInputs) {
    return NIBBLE_OP_ERROR(kMalformed, "has %d inputs, expected 1 to %d", op.num_inputs, kMaxOpInputs);
  }
  // Encoded constants are decoded only by the ops that know how: the
  // weights of CONV2D and LINEAR, the table of EMBEDDING.
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    if (op.inputs[k].packed == nullptr) continue;
    const bool decodable = k == 1 && (op.params.code == OpCode::kConv2d || op.params.code == OpCode::kLinear ||
                                      op.params.code == OpCode::kEmbedding);
    if (!decodable) {
      return NIBBLE_OP_ERROR(kUnsupported,
                             "input %d is an encoded (quantized) tensor; only CONV2D/LINEAR weights and EMBEDDING "
                             "tables may be",
                             k);
    }
  }
  // In-place (output == input, same size) is safe only for the ops that
  // read each element (LAYER_NORM: each row) before writing it; Reshape
  // copies with memmove.
  bool allow_in_place = false;
  bool allow_any_overlap = false;
  switch (op.params.code) {
    case OpCode::kConv2d: NIBBLE_RETURN_IF_ERROR(check_conv2d(op)); break;
    case OpCode::kLinear: NIBBLE_RETURN_IF_ERROR(check_linear(op)); break;
    case OpCode::kBinary:
      NIBBLE_RETURN_IF_ERROR(check_binary(op));
      allow_in_place = true;
      break;
    case OpCode::kClamp:
      NIBBLE_RETURN_IF_ERROR(check_clamp(op));
      allow_in_place = true;
      break;
    case OpCode::kMaxPool2d:
    case OpCode::kAveragePool2d: NIBBLE_RETURN_IF_ERROR(check_pool2d(op)); break;
    case OpCode::kGlobalAveragePool: NIBBLE_RETURN_IF_ERROR(check_global_pool(op)); break;
    case OpCode::kReshape:
      NIBBLE_RETURN_IF_ERROR(check_reshape(op));
      allow_any_overlap = true;
      break;
    case OpCode::kPad: NIBBLE_RETURN_IF_ERROR(check_pad(op)); break;
    case OpCode::kSlice: NIBBLE_RETURN_IF_ERROR(check_slice(op)); break;
    case OpCode::kConcat: NIBBLE_RETURN_IF_ERROR(check_concat(op)); break;
    case OpCode::kSoftmax:
      NIBBLE_RETURN_IF_ERROR(check_softmax(op));
      allow_in_place = true;
      break;
    case OpCode::kTranspose: NIBBLE_RETURN_IF_ERROR(check_transpose(op)); break;
    case OpCode::kEmbedding: NIBBLE_RETURN_IF_ERROR(check_embedding(op)); break;
    case OpCode::kLayerNorm:
      NIBBLE_RETURN_IF_ERROR(check_layer_norm(op));
      allow_in_place = true;
      break;
    case OpCode::kGelu:
      NIBBLE_RETURN_IF_ERROR(check_gelu(op));
      allow_in_place = true;
      break;
    case OpCode::kAttention: NIBBLE_RETURN_IF_ERROR(check_attention(op)); break;
    default:
      return NIBBLE_ERROR(kUnsupported, "op '%s': unknown op code %u", op_name(op),
                          static_cast<unsigned>(op.params.code));
  }
  return check_no_overlap(op, allow_in_place, allow_any_overlap);
}

void run_op(const BoundOp& op) {
  switch (op.params.code) {
    case OpCode::kConv2d: run_conv2d(op); return;
    case OpCode::kLinear: run_linear(op); return;
    case OpCode::kBinary: run_binary(op); return;
    case OpCode::kClamp: run_clamp(op); return;
    case OpCode::kMaxPool2d: run_max_pool2d(op); return;
    case OpCode::kAveragePool2d: run_average_pool2d(op); return;
    case OpCode::kGlobalAveragePool: run_global_pool(op); return;
    case OpCode::kReshape: run_reshape(op); return;
    case OpCode::kPad: run_pad(op); return;
    case OpCode::kSlice: run_slice(op); return;
    case OpCode::kConcat: run_concat(op); return;
    case OpCode::kSoftmax: run_softmax(op); return;
    case OpCode::kTranspose: run_transpose(op); return;
    case OpCode::kEmbedding: run_embedding(op); return;
    case OpCode::kLayerNorm: run_layer_norm(op); return;
    case OpCode::kGelu: run_gelu(op); return;
    case OpCode::kAttention: run_attention(op); return;
  }
}

uint64_t state_bytes(const BoundOp& op) {
  return op.params.code == OpCode::kAttention ? attention_state_bytes(op) : 0;
}

int64_t position_limit(const BoundOp& op) {
  if (op.params.code == OpCode::kAttention) return op.params.attention.max_positions;
  if (op.params.code == OpCode::kEmbedding && op.params.embedding.positional && op.num_inputs >= 2) {
    return op.inputs[1].dims[0];
  }
  return INT64_MAX;
}

bool needs_run_check(const BoundOp& op) {
  return op.params.code == OpCode::kEmbedding && !op.params.embedding.positional;
}

Status check_run(const BoundOp& op) {
  return needs_run_check(op) ? check_embedding_ids(op) : Status::ok();
}

}  // namespace nibble::ref
