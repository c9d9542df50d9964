// Load-time and session-time allocation. The core never allocates in
// run(); everything goes through these two functions so an embedder (or
// a freestanding port) can see and replace every allocation site.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nibble {

// Zero-initialised array of n trivially-constructible T, or nullptr on
// failure or size overflow.
template <typename T>
T* allocate_array(size_t n) {
  if (n == 0) n = 1;
  if (n > static_cast<size_t>(-1) / sizeof(T)) return nullptr;
  void* p = std::calloc(n, sizeof(T));
  return static_cast<T*>(p);
}

inline void free_array(void* p) { std::free(p); }

// 64-byte aligned, zeroed block (the activation arena).
inline void* allocate_aligned(size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = alignment;
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  if (rounded < bytes) return nullptr;
  void* p = std::aligned_alloc(alignment, rounded);
  if (p != nullptr) std::memset(p, 0, rounded);
  return p;
}

}  // namespace nibble
