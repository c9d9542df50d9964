// printf-style formatting of messages (Status, C API errors, op checks).
//
// Hosted builds use the C library's vsnprintf. Freestanding builds use
// vformat_builtin below instead, because embedded C libraries differ in
// what they format: Debian's newlib has no %zu, newlib-nano no %ll and no
// floats, and a conversion the library skips shifts every later argument
// (a following %s would then read a number as a pointer). newlib's float
// printing also calls malloc. The built-in one covers what nibble's
// messages use, allocates nothing and is compiled into every build, so
// the host tests check it against snprintf.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace nibble {

// Like vsnprintf: writes at most capacity - 1 characters and a NUL (if
// capacity > 0), returns the length the whole text would have.
int vformat(char* out, size_t capacity, const char* format, va_list args);
int format(char* out, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));

// Flags - 0 + space, width and precision (also *), lengths hh h l ll z j
// t, conversions d i u x X c s p g e f %. An unknown conversion ends the
// text there (its argument type is unknown, so nothing after it is read).
int vformat_builtin(char* out, size_t capacity, const char* format, va_list args);

}  // namespace nibble
