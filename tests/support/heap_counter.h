// Counts every call into the C heap while armed. heap_counter.cc
// interposes malloc, calloc, realloc, aligned_alloc, memalign and
// posix_memalign for the whole test binary that links nibble_heap_counter,
// so calls from shared libraries (XNNPACK, pthreadpool) and from every
// thread are counted too. Sanitizers own malloc: there the hooks are off
// and NIBBLE_TEST_HOOKS_MALLOC is 0 (tests skip or relax what they check).
#pragma once

#include <atomic>

#if defined(__SANITIZE_ADDRESS__)
#define NIBBLE_TEST_HOOKS_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define NIBBLE_TEST_HOOKS_MALLOC 0
#endif
#endif
#ifndef NIBBLE_TEST_HOOKS_MALLOC
#define NIBBLE_TEST_HOOKS_MALLOC 1
#endif

namespace nibble::testing {

extern std::atomic<bool> g_heap_armed;  // count while true
extern std::atomic<long> g_heap_calls;  // allocation calls counted so far

}  // namespace nibble::testing
