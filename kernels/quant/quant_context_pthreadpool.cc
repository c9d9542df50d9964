// Hosted contexts: a pthreadpool of `threads` threads (the caller is one
// of them). The pool is created once and reused by every call.
#include <pthreadpool.h>

#include "core/allocation.h"
#include "core/parallelize.h"
#include "quant/quant_context.h"

namespace nibble::quant {
namespace {

struct ChunkJob {
  const ChunkPlan* plan;
  uint64_t n;
  ChunkFn fn;
  void* arg;
};

void run_one_chunk(void* job_pointer, size_t task) {
  const ChunkJob& job = *static_cast<const ChunkJob*>(job_pointer);
  const uint64_t begin = task * job.plan->chunk;
  const uint64_t end = begin + job.plan->chunk < job.n ? begin + job.plan->chunk : job.n;
  job.fn(job.arg, task, begin, end);
}

}  // namespace

Status create_context(int threads, nibble_quant_context** context) {
  *context = nullptr;
  if (threads < 0) {
    return NIBBLE_ERROR(kInvalidArgument, "nibble_quant_context_create: threads must be >= 0 (0: one per core), got %d",
                        threads);
  }
  pthreadpool_t pool = nullptr;
  size_t count = 1;
  if (threads != 1) {
    // pthreadpool_create(0) makes one thread per online core.
    pool = pthreadpool_create(static_cast<size_t>(threads));
    if (pool == nullptr) {
      return NIBBLE_ERROR(kBackendError, "nibble_quant_context_create: could not create a pool of %d threads", threads);
    }
    count = pthreadpool_get_threads_count(pool);
    if (count <= 1) {  // a one-core machine: run on the caller, no pool
      pthreadpool_destroy(pool);
      pool = nullptr;
      count = 1;
    }
  }
  nibble_quant_context* created = create_object<nibble_quant_context>(default_allocator());
  if (created == nullptr) {
    if (pool != nullptr) pthreadpool_destroy(pool);
    return NIBBLE_ERROR(kOutOfMemory, "nibble_quant_context_create: no memory for the context");
  }
  created->threads = static_cast<int>(count);
  created->pool = pool;
  created->kernels = &default_kernels();
  *context = created;
  return Status::ok();
}

void destroy_context(nibble_quant_context* context) {
  if (context == nullptr) return;
  if (context->pool != nullptr) pthreadpool_destroy(static_cast<pthreadpool_t>(context->pool));
  destroy_object(default_allocator(), context);
}

void run_chunks(nibble_quant_context* context, const ChunkPlan& plan, uint64_t n, ChunkFn fn, void* arg) {
  ChunkJob job{&plan, n, fn, arg};
  if (plan.tasks <= 1 || context == nullptr || context->pool == nullptr) {
    for (uint64_t task = 0; task < plan.tasks; ++task) run_one_chunk(&job, task);
    return;
  }
  // No PTHREADPOOL_FLAG_DISABLE_DENORMALS: results must not depend on the
  // thread an element lands on.
  parallelize_1d(static_cast<pthreadpool_t>(context->pool), run_one_chunk, &job,
                             static_cast<size_t>(plan.tasks), 0);
}

}  // namespace nibble::quant
