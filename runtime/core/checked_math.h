// Overflow-checked arithmetic for every number that comes from a file.
// Pattern: bounds are checked as `off <= len && size <= len - off`, never
// as `off + size <= len` (which wraps).
#pragma once

#include <cstdint>

namespace nibble {

inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

inline bool checked_align_up(uint64_t value, uint64_t alignment, uint64_t* out) {
  uint64_t bumped = 0;
  if (!checked_add(value, alignment - 1, &bumped)) return false;
  *out = bumped / alignment * alignment;
  return true;
}

// True if [offset, offset + size) lies inside [0, length).
inline bool range_within(uint64_t offset, uint64_t size, uint64_t length) {
  return offset <= length && size <= length - offset;
}

// Product of dims as an element count; false on a negative dim or
// overflow of `limit` (e.g. INT64_MAX / element size).
inline bool checked_element_count(const int64_t* dims, int32_t rank, uint64_t limit, uint64_t* out) {
  uint64_t n = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) return false;
    if (!checked_mul(n, static_cast<uint64_t>(dims[i]), &n)) return false;
    if (n > limit) return false;
  }
  *out = n;
  return true;
}

}  // namespace nibble
