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

// Runs the op. Precondition: check_op(op) returned ok; for sequence
// models, op.sequence->position + rows <= position_limit(op), and
// check_run(op) returned ok if needs_run_check(op). (The stateful ops and
// EMBEDDING still refuse to touch memory outside their cache or table when
// this is broken: they leave the output, or the bad row, untouched.)
void run_op(const BoundOp& op);

// Bytes of state the session allocates for the op (not zeroed: the ops
// write a position's state before reading it; see BoundOp::state): the
// key/value cache and score scratch of ATTENTION, 0 for stateless ops.
// Precondition: check_op(op) returned ok.
uint64_t state_bytes(const BoundOp& op);

// The most positions (tokens held + this run's rows) the op can serve:
// ATTENTION's max_positions, a positional EMBEDDING's table rows, INT64_MAX
// for every other op.
int64_t position_limit(const BoundOp& op);

// Whether the op must check its inputs' values before each run: a
// (non-positional) EMBEDDING, whose ids come from the user.
bool needs_run_check(const BoundOp& op);

// The run-time check of such an op, on this run's rows (dims[0] set):
// every EMBEDDING id in [0, V), else kOutOfRange naming the op, the id and
// its row. Ok for every other op. The session calls it right before run_op.
// Precondition: check_op(op) returned ok.
Status check_run(const BoundOp& op);

}  // namespace nibble::ref
