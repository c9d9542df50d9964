// nibble_quant_context (nibble/quant.h): a thread count, the thread pool
// (pthreadpool in hosted builds; none in freestanding ones, which run on
// the calling thread) and the kernel table the context's calls use.
// A NULL context means: one thread, the process's default table.
#pragma once

#include <cstdint>

#include "nibble/status.h"
#include "quant/kernel_dispatch.h"
#include "quant/simd_kernels.h"

struct nibble_quant_context {
  int threads;  // >= 1; the calling thread counts
  void* pool;   // pthreadpool_t; nullptr with one thread
  const nibble::quant::SimdKernels* kernels;
};

namespace nibble::quant {

// threads: 0 = one per core. kUnsupported for more than one thread in a
// freestanding build.
Status create_context(int threads, nibble_quant_context** context);
void destroy_context(nibble_quant_context* context);

inline int context_threads(const nibble_quant_context* context) { return context != nullptr ? context->threads : 1; }

inline const SimdKernels& context_kernels(const nibble_quant_context* context) {
  return context != nullptr ? *context->kernels : default_kernels();
}

// Makes a context use the table of `isa` (tests compare the levels in one
// process); false, and nothing changed, if this build or CPU lacks it.
bool force_context_isa(nibble_quant_context* context, Isa isa);

// Work cut into `tasks` chunks of `chunk` items, the last one shorter.
struct ChunkPlan {
  uint64_t chunk;
  uint64_t tasks;
};

// How to cut n items over the context's threads: one chunk when there is
// one thread or too little work (below 2 * min_chunk); otherwise up to a
// few chunks per thread, each a multiple of `align` items, so chunk
// boundaries can be chosen to fall on byte boundaries of packed output.
ChunkPlan plan_chunks(const nibble_quant_context* context, uint64_t n, uint64_t min_chunk, uint64_t align);

// The most chunks plan_chunks makes (callers size per-chunk results by it).
constexpr uint64_t kMaxChunks = 256;

// fn(arg, task, begin, end) for every chunk of the plan, on the context's
// threads (the calling thread included); returns when all are done.
using ChunkFn = void (*)(void* arg, uint64_t task, uint64_t begin, uint64_t end);
void run_chunks(nibble_quant_context* context, const ChunkPlan& plan, uint64_t n, ChunkFn fn, void* arg);

}  // namespace nibble::quant
