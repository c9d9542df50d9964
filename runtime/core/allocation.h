// Load-time and session-time allocation. The core never allocates in
// run(); every allocation goes through these helpers and an Allocator
// (nibble.hpp): the caller's, or malloc/free. So an embedder, or a
// bare-metal program with a static arena, sees and serves every site.
// Frees happen in the reverse order of allocations (see nibble.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "nibble/nibble.hpp"

namespace nibble {

// What malloc guarantees; the helpers never ask for less, so the tables
// may hold any scalar type, as they did when they came from calloc.
constexpr size_t kMinAllocAlignment = alignof(std::max_align_t);

// malloc/free (aligned_alloc above kMinAllocAlignment).
const Allocator& default_allocator();

// A copy of the caller's allocator, or the default when there is none.
inline Allocator resolve_allocator(const Allocator* allocator) {
  return allocator != nullptr ? *allocator : default_allocator();
}

// Zeroed block of at least `bytes`, or nullptr.
inline void* allocate_zeroed(const Allocator& a, size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  if (alignment < kMinAllocAlignment) alignment = kMinAllocAlignment;
  void* p = a.allocate(a.context, bytes, alignment);
  if (p != nullptr) std::memset(p, 0, bytes);
  return p;
}

// A block whose contents are left as they come: for large state that is
// always written before it is read (key/value caches), so its pages are
// only touched, and counted in the resident set, as they are used.
inline void* allocate_uninitialized(const Allocator& a, size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  if (alignment < kMinAllocAlignment) alignment = kMinAllocAlignment;
  return a.allocate(a.context, bytes, alignment);
}

inline void release(const Allocator& a, void* p) {
  if (p != nullptr && a.deallocate != nullptr) a.deallocate(a.context, p);
}

// Zero-initialised array of n trivially-constructible T, or nullptr on
// failure or size overflow.
template <typename T>
T* allocate_array(const Allocator& a, size_t n) {
  if (n == 0) n = 1;
  if (n > SIZE_MAX / sizeof(T)) return nullptr;
  return static_cast<T*>(allocate_zeroed(a, n * sizeof(T), alignof(T)));
}

inline void free_array(const Allocator& a, void* p) { release(a, p); }

// Aligned, zeroed block (the activation arena).
inline void* allocate_aligned(const Allocator& a, size_t bytes, size_t alignment) {
  return allocate_zeroed(a, bytes, alignment);
}

// A value-initialised T placed in memory from `a` (what `new (std::nothrow)
// T()` did), or nullptr.
template <typename T>
T* create_object(const Allocator& a) {
  void* p = allocate_zeroed(a, sizeof(T), alignof(T));
  return p != nullptr ? new (p) T() : nullptr;
}

// By value: `a` may live inside *p (Model::Impl keeps its allocator).
template <typename T>
void destroy_object(Allocator a, T* p) {
  if (p == nullptr) return;
  p->~T();
  release(a, p);
}

}  // namespace nibble
