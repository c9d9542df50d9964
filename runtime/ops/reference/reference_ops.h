// The portable reference implementation of every op: plain C++, single
// threaded, no allocation. It is the truth the XNNPACK backend and the
// fused kernels are tested against.
#pragma once

#include "ops/op_params.h"

namespace nibble::ref {

// Checks that op.outputs[*] have exactly the shapes the op computes from
// its inputs and parameters, and that every parameter is in range. Called
// once at session creation; the message names op.name.
Status check_op(const BoundOp& op);

// Runs the op. Precondition: check_op(op) returned ok.
void run_op(const BoundOp& op);

}  // namespace nibble::ref
