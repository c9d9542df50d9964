// Binds a parsed op to memory: constants point into the model image,
// activations into the session arena. Then the op's own checks run
// (shapes and parameters), so a bound op is safe to run.
#pragma once

#include "loader/model_impl.h"

namespace nibble {

// `sequence` is the session's state, which the bound op keeps a pointer to.
Status bind_op(const Model::Impl& model, const OpDesc& op, uint8_t* arena, const SequenceState* sequence,
               BoundOp* out);

// The view of tensor `index`: into the image for constants, else the arena.
TensorView tensor_view(const Model::Impl& model, int32_t index, uint8_t* arena);

}  // namespace nibble
