#include "core/allocation.h"

#include <cstdint>
#include <cstdlib>

namespace nibble {
namespace {

#if NIBBLE_FREESTANDING
// Embedded C libraries disagree on aligned allocation (Debian's
// newlib-nano has an aligned_alloc that needs a posix_memalign it lacks),
// so take plain malloc and align inside the block; the pointer malloc
// gave sits just before the aligned block, for free().
void* malloc_allocate(void* /*context*/, size_t bytes, size_t alignment) {
  if (alignment < alignof(void*)) alignment = alignof(void*);
  const size_t extra = alignment - 1 + sizeof(void*);
  if (bytes > SIZE_MAX - extra) return nullptr;
  void* raw = std::malloc(bytes + extra);
  if (raw == nullptr) return nullptr;
  const uintptr_t block =
      (reinterpret_cast<uintptr_t>(raw) + sizeof(void*) + alignment - 1) & ~static_cast<uintptr_t>(alignment - 1);
  reinterpret_cast<void**>(block)[-1] = raw;
  return reinterpret_cast<void*>(block);
}

void malloc_deallocate(void* /*context*/, void* p) { std::free(static_cast<void**>(p)[-1]); }
#else
void* malloc_allocate(void* /*context*/, size_t bytes, size_t alignment) {
  if (alignment <= kMinAllocAlignment) return std::malloc(bytes);
  // aligned_alloc wants a size that is a multiple of the alignment.
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  if (rounded < bytes) return nullptr;
  return std::aligned_alloc(alignment, rounded);
}

void malloc_deallocate(void* /*context*/, void* p) { std::free(p); }
#endif

}  // namespace

const Allocator& default_allocator() {
  // Constant-initialised: no guard, no constructor at start-up.
  static constexpr Allocator kMalloc = {malloc_allocate, malloc_deallocate, nullptr};
  return kMalloc;
}

}  // namespace nibble
