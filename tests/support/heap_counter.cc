#include "support/heap_counter.h"

#include <cerrno>
#include <cstddef>

namespace nibble::testing {

std::atomic<bool> g_heap_armed{false};
std::atomic<long> g_heap_calls{0};

}  // namespace nibble::testing

#if NIBBLE_TEST_HOOKS_MALLOC
namespace {
inline void count() {
  if (nibble::testing::g_heap_armed.load(std::memory_order_relaxed)) {
    nibble::testing::g_heap_calls.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

extern "C" {
// glibc's own entry points, which the definitions below forward to.
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);

void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* aligned_alloc(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* memalign(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
  count();
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif
