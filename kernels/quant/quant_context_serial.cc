// Freestanding contexts: no threads, no pool; every call runs on the
// caller. The context still carries the kernel table, so code written for
// hosted builds works unchanged.
#include "core/allocation.h"
#include "quant/quant_context.h"

namespace nibble::quant {

Status create_context(int threads, nibble_quant_context** context) {
  *context = nullptr;
  if (threads < 0) {
    return NIBBLE_ERROR(kInvalidArgument, "nibble_quant_context_create: threads must be >= 0 (0: one per core), got %d",
                        threads);
  }
  if (threads > 1) {
    return NIBBLE_ERROR(kUnsupported,
                        "nibble_quant_context_create: freestanding builds are single-threaded (threads must be 0 or "
                        "1), got %d",
                        threads);
  }
  nibble_quant_context* created = create_object<nibble_quant_context>(default_allocator());
  if (created == nullptr) return NIBBLE_ERROR(kOutOfMemory, "nibble_quant_context_create: no memory for the context");
  created->threads = 1;
  created->pool = nullptr;
  created->kernels = &default_kernels();
  *context = created;
  return Status::ok();
}

void destroy_context(nibble_quant_context* context) { destroy_object(default_allocator(), context); }

void run_chunks(nibble_quant_context* /*context*/, const ChunkPlan& plan, uint64_t n, ChunkFn fn, void* arg) {
  for (uint64_t task = 0; task < plan.tasks; ++task) {
    const uint64_t begin = task * plan.chunk;
    const uint64_t end = begin + plan.chunk < n ? begin + plan.chunk : n;
    fn(arg, task, begin, end);
  }
}

}  // namespace nibble::quant
