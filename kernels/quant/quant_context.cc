// The parts of quant_context.h shared by hosted and freestanding builds:
// the kernel override and how work is cut over threads. The cut never
// changes a result (every element's value depends only on its own input,
// index and parameters; min/max combine exactly), only the speed.
#include "quant/quant_context.h"

namespace nibble::quant {
namespace {

// Chunks per thread: more than one, so a thread slowed by something else
// on its core does not hold up the rest; few, so each thread streams long
// contiguous runs (this work is bandwidth-bound).
constexpr uint64_t kChunksPerThread = 4;

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

}  // namespace

bool force_context_isa(nibble_quant_context* context, Isa isa) {
  const SimdKernels* kernels = kernels_for(isa);
  if (context == nullptr || kernels == nullptr) return false;
  context->kernels = kernels;
  return true;
}

ChunkPlan plan_chunks(const nibble_quant_context* context, uint64_t n, uint64_t min_chunk, uint64_t align) {
  const uint64_t threads = static_cast<uint64_t>(context_threads(context));
  if (min_chunk == 0) min_chunk = 1;
  if (align == 0) align = 1;
  if (threads <= 1 || n < 2 * min_chunk) return {n, n == 0 ? 0u : 1u};
  uint64_t wanted = threads * kChunksPerThread;
  if (wanted > kMaxChunks) wanted = kMaxChunks;
  if (wanted > n / min_chunk) wanted = n / min_chunk;  // >= 2 here
  const uint64_t chunk = ceil_div(ceil_div(n, wanted), align) * align;
  return {chunk, ceil_div(n, chunk)};
}

}  // namespace nibble::quant
