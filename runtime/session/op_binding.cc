#include "session/op_binding.h"

#include "ops/reference/reference_ops.h"

namespace nibble {

TensorView tensor_view(const Model::Impl& model, int32_t index, uint8_t* arena) {
  const TensorDesc& d = model.tensors[index];
  TensorView v;
  v.rank = d.rank;
  for (int32_t i = 0; i < d.rank; ++i) v.dims[i] = d.dims[i];
  // Ops never write their inputs, so handing out a mutable pointer to a
  // constant is safe; TensorView has one pointer type for both.
  v.data = d.constant_data != nullptr ? const_cast<float*>(d.constant_data)
                                      : reinterpret_cast<float*>(arena + d.arena_offset);
  v.packed = d.packed;
  v.sequence = d.sequence;
  return v;
}

Status bind_op(const Model::Impl& model, const OpDesc& op, uint8_t* arena, const SequenceState* sequence,
               BoundOp* out) {
  out->name = op.name;
  out->sequence = sequence;
  out->params = op.params;
  out->num_inputs = op.num_inputs;
  out->num_outputs = op.num_outputs;
  for (int32_t i = 0; i < op.num_inputs; ++i) out->inputs[i] = tensor_view(model, op.inputs[i], arena);
  for (int32_t i = 0; i < op.num_outputs; ++i) out->outputs[i] = tensor_view(model, op.outputs[i], arena);
  return ref::check_op(*out);
}

}  // namespace nibble
