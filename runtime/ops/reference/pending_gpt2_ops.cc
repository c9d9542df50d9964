// TEMPORARY (not committed): stand-ins until the GPT-2 ops land.
#include <cstdint>
#include "ops/reference/reference_ops.h"
namespace nibble::ref {
uint64_t state_bytes(const BoundOp&) { return 0; }
int64_t position_limit(const BoundOp&) { return INT64_MAX; }
bool needs_run_check(const BoundOp&) { return false; }
Status check_run(const BoundOp&) { return Status::ok(); }
}
