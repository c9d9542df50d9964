// parallelize_1d: pthreadpool_parallelize_1d as nibble hands work to its
// pools, with ThreadSanitizer annotations under TSan.
//
// pthreadpool comes from Debian, uninstrumented: TSan sees neither the
// futex/atomics by which the caller hands tasks to the workers nor those by
// which it waits for them, so every write of the caller before the call
// and every write of a task would look racy against the other side. Under
// TSan the caller releases a sync address before the call, each task
// acquires it first and releases it after, and the caller acquires it once
// pthreadpool_parallelize_1d returns: exactly the happens-before the pool
// provides. Elsewhere it is a plain call (the wrapper inlines away).
#pragma once

#include <pthreadpool.h>

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
#define NIBBLE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NIBBLE_TSAN 1
#endif
#endif

#if defined(NIBBLE_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace nibble {

#if defined(NIBBLE_TSAN)
namespace tsan_detail {

struct AnnotatedTask {
  pthreadpool_task_1d_t task;
  void* context;
};

inline void run_annotated(void* p, size_t i) {
  AnnotatedTask* t = static_cast<AnnotatedTask*>(p);
  __tsan_acquire(t);
  t->task(t->context, i);
  __tsan_release(t);
}

}  // namespace tsan_detail
#endif

inline void parallelize_1d(pthreadpool_t pool, pthreadpool_task_1d_t task, void* context, size_t range,
                           uint32_t flags) {
#if defined(NIBBLE_TSAN)
  tsan_detail::AnnotatedTask annotated{task, context};
  __tsan_release(&annotated);
  pthreadpool_parallelize_1d(pool, tsan_detail::run_annotated, &annotated, range, flags);
  __tsan_acquire(&annotated);
#else
  pthreadpool_parallelize_1d(pool, task, context, range, flags);
#endif
}

}  // namespace nibble
