// Dispatch of the reference ops on params.code.
#include "ops/reference/reference_ops.h"

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
  // weights of CONV2D and LINEAR.
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    if (op.inputs[k].packed == nullptr) continue;
    const bool is_weight = k == 1 && (op.params.code == OpCode::kConv2d || op.params.code == OpCode::kLinear);
    if (!is_weight) {
      return NIBBLE_OP_ERROR(kUnsupported, "input %d is an encoded (quantized) tensor; only CONV2D/LINEAR weights may be",
                             k);
    }
  }
  // In-place (output == input, same size) is safe only for the
  // elementwise ops; Reshape copies with memmove.
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
  }
}

}  // namespace nibble::ref
