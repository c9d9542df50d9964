// Turns each fb::Operator into an OpDesc: op code, arity, tensor indices
// and option values, all range-checked. Shape agreement is checked later,
// per op, when a session binds the op (ref::check_op).
#pragma once

#include "loader/model_impl.h"

namespace nibble {

Status parse_operators(Model::Impl* impl);

}  // namespace nibble
