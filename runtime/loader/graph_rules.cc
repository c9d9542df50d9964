// Rules that span ops and tensors: which element types an op may read,
// and where the sequence axis (token models: dims[0] set per run) may go.
// A sequence tensor's dims[0] changes between runs, so only ops that work
// row by row, reading dims[0] when they run, may touch one.
#include "loader/model_impl.h"

namespace nibble {
namespace {

bool works_row_by_row(OpCode code) {
  switch (code) {
    case OpCode::kLinear:
    case OpCode::kBinary:
    case OpCode::kClamp:
    case OpCode::kEmbedding:
    case OpCode::kLayerNorm:
    case OpCode::kGelu:
    case OpCode::kAttention:
    case OpCode::kSoftmax:
      return true;
    default:
      return false;
  }
}

Status check_types(const Model::Impl& m, uint32_t index, const OpDesc& op) {
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    const TensorDesc& t = m.tensors[op.inputs[k]];
    const bool ids = op.params.code == OpCode::kEmbedding && k == 0;
    if (t.is_int32 != ids) {
      return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s): input %d '%s' is %s, expected %s", index, op.name,
                          op_code_name(op.params.code), k, t.name, t.is_int32 ? "I32" : "F32",
                          ids ? "I32 token ids" : "F32");
    }
  }
  for (int32_t k = 0; k < op.num_outputs; ++k) {
    const TensorDesc& t = m.tensors[op.outputs[k]];
    if (t.is_int32) {
      return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s) writes I32 tensor '%s' (I32 tensors are graph inputs)", index,
                          op.name, op_code_name(op.params.code), t.name);
    }
  }
  return Status::ok();
}

Status check_sequence(const Model::Impl& m, uint32_t index, const OpDesc& op) {
  const TensorDesc& x = m.tensors[op.inputs[0]];
  const TensorDesc& y = m.tensors[op.outputs[0]];
  bool any = false;
  for (int32_t k = 0; k < op.num_inputs; ++k) any = any || m.tensors[op.inputs[k]].sequence;
  any = any || y.sequence;
  const bool stateful =
      op.params.code == OpCode::kAttention || (op.params.code == OpCode::kEmbedding && op.params.embedding.positional);
  if (stateful && !x.sequence) {
    return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s) keeps per-position state, so its input '%s' needs a sequence axis",
                        index, op.name, op_code_name(op.params.code), x.name);
  }
  if (!any) return Status::ok();
  if (!works_row_by_row(op.params.code)) {
    return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s) cannot take a sequence tensor (its rows change per run)", index,
                        op.name, op_code_name(op.params.code));
  }
  if (x.sequence != y.sequence) {
    return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s): input '%s' and output '%s' must both have a sequence axis or neither",
                        index, op.name, op_code_name(op.params.code), x.name, y.name);
  }
  if (op.params.code != OpCode::kEmbedding && y.rank < 2) {
    return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s): sequence tensor '%s' needs rank >= 2 (rows x features)", index,
                        op.name, op_code_name(op.params.code), y.name);
  }
  if (op.params.code == OpCode::kSoftmax && op.params.softmax.axis == 0) {
    return NIBBLE_ERROR(kMalformed, "op %u '%s' (Softmax) normalises over the sequence axis", index, op.name);
  }
  for (int32_t k = 1; k < op.num_inputs; ++k) {
    const TensorDesc& t = m.tensors[op.inputs[k]];
    if (t.sequence || op.params.code != OpCode::kBinary) continue;
    // A second BINARY operand without the axis must broadcast over rows.
    if (t.rank >= y.rank && t.dims[0] != 1) {
      return NIBBLE_ERROR(kMalformed,
                          "op %u '%s' (Binary): operand '%s' has no sequence axis but spans the rows of '%s'", index,
                          op.name, t.name, y.name);
    }
  }
  return Status::ok();
}

}  // namespace

Status verify_graph_rules(Model::Impl* impl) {
  for (uint32_t i = 0; i < impl->num_ops; ++i) {
    NIBBLE_RETURN_IF_ERROR(check_types(*impl, i, impl->ops[i]));
    NIBBLE_RETURN_IF_ERROR(check_sequence(*impl, i, impl->ops[i]));
  }
  impl->max_sequence = 0;
  for (uint32_t i = 0; i < impl->num_tensors; ++i) {
    const TensorDesc& t = impl->tensors[i];
    if (!t.sequence) continue;
    if (t.dims[0] < 1) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': the sequence axis has maximum %lld (must be >= 1)", i, t.name,
                          static_cast<long long>(t.dims[0]));
    }
    if (impl->max_sequence == 0) impl->max_sequence = t.dims[0];
    if (t.dims[0] != impl->max_sequence) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': sequence maximum %lld differs from the model's %lld", i, t.name,
                          static_cast<long long>(t.dims[0]), static_cast<long long>(impl->max_sequence));
    }
  }
  return Status::ok();
}

}  // namespace nibble
