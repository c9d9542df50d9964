/* Counts calls to the C heap: the demo links with
 * -Wl,--wrap=malloc,--wrap=calloc,... so every call to these symbols, from
 * nibble or the C++ runtime's operator new, lands here first. (Not
 * aligned_alloc: newlib-nano's cannot be linked at all; see
 * runtime/core/allocation.cc.) The demo
 * checks the count did not move while nibble loaded and ran the model. */
#include <stddef.h>

void* __real_malloc(size_t size);
void* __real_calloc(size_t n, size_t size);
void* __real_realloc(void* p, size_t size);
void* __real_memalign(size_t alignment, size_t size);

static volatile unsigned long calls;

unsigned long heap_guard_calls(void) { return calls; }

void* __wrap_malloc(size_t size) { ++calls; return __real_malloc(size); }
void* __wrap_calloc(size_t n, size_t size) { ++calls; return __real_calloc(n, size); }
void* __wrap_realloc(void* p, size_t size) { ++calls; return __real_realloc(p, size); }
void* __wrap_memalign(size_t alignment, size_t size) { ++calls; return __real_memalign(alignment, size); }
