// The XNNPACK backend: standard fp32 ops run through XNNPACK's operator
// API (the 2022 release Debian ships). One BoundOp becomes one
// xnn_operator_t that is created AND set up at session creation, since all
// pointers and shapes of a BoundOp are final; run() then only calls
// xnn_run_operator and never allocates.
//
// Ops or params XNNPACK cannot compute exactly like the reference
// (ref::run_op) are rejected by supports(); the session runs the reference
// op for them instead.
#pragma once

#include <pthreadpool.h>

#include <cstddef>

#include "ops/op_params.h"

namespace nibble::xnnpack {

// XNNPACK may read (never write) up to this many bytes past the end of any
// input tensor it is given (XNN_EXTRA_BYTES); the caller must keep them
// readable: slack after the arena, and care with constants that end at the
// end of a memory-mapped file.
constexpr size_t kInputTailBytes = 16;

// Opaque: the xnn_operator_t plus whatever run() needs.
struct XnnOp;

// Initializes XNNPACK once (thread-safe, idempotent). Returns kBackendError
// naming XNNPACK's status on failure.
Status initialize();

// True if create() would accept this op with these params and shapes. A
// pure check: no allocation, no XNNPACK call.
bool supports(const BoundOp& op);

// Creates and sets up the XNNPACK operator for `op`; every pointer in `op`
// must stay valid for the XnnOp's lifetime. Returns kUnsupported (naming
// op.name) when supports(op) is false, kOutOfMemory if the XnnOp cannot be
// allocated, kBackendError with the xnn_status when XNNPACK refuses.
// `pool` may be null (single-threaded).
Status create(const BoundOp& op, pthreadpool_t pool, XnnOp** out);

// Runs a created op; does not allocate. Use the same pool as create()
// (XNNPACK tiles the work for that pool's thread count; any pool gives
// the same results).
Status run(XnnOp* op, pthreadpool_t pool);

// Ops on sequence tensors (dims[0] changes between runs): whether
// setup_new_rows() can follow such a change (LINEAR and BINARY), and the
// new setup itself, from op's current dims (no allocation).
bool supports_new_rows(const BoundOp& op);
Status setup_new_rows(XnnOp* xop, const BoundOp& op, pthreadpool_t pool);

// Releases the operator; null-safe.
void destroy(XnnOp* op);

}  // namespace nibble::xnnpack
