// vformat_builtin (core/format.h), the message formatter of freestanding
// builds, must print what glibc's snprintf prints for every conversion
// nibble's messages use; it is only exercised on the host here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "core/format.h"

namespace nibble {
namespace {

std::string builtin(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string builtin(const char* format, ...) {
  char out[256];
  va_list args;
  va_start(args, format);
  vformat_builtin(out, sizeof(out), format, args);
  va_end(args);
  return out;
}

std::string libc(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string libc(const char* format, ...) {
  char out[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(out, sizeof(out), format, args);
  va_end(args);
  return out;
}

#define EXPECT_SAME(...) EXPECT_EQ(builtin(__VA_ARGS__), libc(__VA_ARGS__))

TEST(Format, IntegersStringsAndPointersMatchSnprintf) {
  EXPECT_SAME("plain text, 100%% sure");
  EXPECT_SAME("%d %d %d %i", 0, -1, INT32_MAX, INT32_MIN);
  EXPECT_SAME("%u %u", 0u, UINT32_MAX);
  EXPECT_SAME("%lld %lld %llu", static_cast<long long>(INT64_MIN), 42LL, static_cast<unsigned long long>(UINT64_MAX));
  EXPECT_SAME("%ld %lu %zu %zd", -5L, 7UL, static_cast<size_t>(123456789), static_cast<ptrdiff_t>(-3));
  EXPECT_SAME("%x %X %llx", 0xbeefu, 0xbeefu, 0x123456789abcULL);
  EXPECT_SAME("[%5d|%-5d|%05d|%+d|% d]", 42, 42, -42, 7, 7);
  EXPECT_SAME("%hd %hhu", static_cast<short>(-2), static_cast<unsigned char>(200));
  EXPECT_SAME("'%s' '%.3s' '%8s' '%-8s|' '%*d'", "name", "abcdef", "r", "l", 6, 12);
  EXPECT_SAME("%c%c", 'o', 'k');
  int x = 0;
  EXPECT_SAME("%p %p", static_cast<void*>(&x), static_cast<void*>(nullptr));
  // The pattern of the runtime's messages: numbers of every width between strings.
  EXPECT_SAME("tensor %u '%s': segment %d holds %llu bytes, shape needs %llu", 3u, "conv.w", 2, 48ULL, 64ULL);
  EXPECT_SAME("memory plan: tensor %zu [%llu, +%llu) exceeds arena of %llu bytes (%s)", static_cast<size_t>(9),
              1ULL, 2ULL, 3ULL, "end");
}

TEST(Format, FloatsMatchSnprintf) {
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, 6.0, 30.25, 0.1, 1e-7, 1.5e-5, 0.0001, 0.00012345, 123456.0,
                   1234567.0, 999999.5, 9.9999996, 3.14159265, 1e20, -2.5e-300, 1e300}) {
    EXPECT_SAME("%g", v);
    EXPECT_SAME("%e", v);
    EXPECT_SAME("%.3g|%.0e|%.2e", v, v, v);
  }
  for (double v : {0.0, 1.0, -1.0, 0.5, 2.675, 30.25, 0.1, 1e-7, 0.0004, 0.0006, 123456.789, 9.9999996, 1e15}) {
    EXPECT_SAME("%f", v);
    EXPECT_SAME("%.2f|%.0f|%8.3f|%-8.1f|", v, v, v, v);
  }
  EXPECT_SAME("%g %g %g %f", static_cast<double>(INFINITY), -static_cast<double>(INFINITY), static_cast<double>(NAN),
              static_cast<double>(INFINITY));
  EXPECT_SAME("op 'relu': output clamp [%g, %g] is not a range", 6.0, 0.0);
}

// Random values of every kind (binary fractions, decimal-looking values,
// exact ties): the same digits as glibc while at most 15 significant digits
// are asked for (the built-in formatter prints zeros beyond that).
TEST(Format, RandomFloatsMatchSnprintf) {
  std::mt19937_64 rng(42);
  const char* formats[] = {"%g", "%.3g", "%.10g", "%e", "%.2e", "%f", "%.2f", "%.0f", "%.1f"};
  int mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    double v = 0;
    switch (i % 3) {
      case 0: v = std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 80)); break;
      case 1: v = static_cast<double>(rng() % 100000) / std::pow(10.0, static_cast<double>(rng() % 8)); break;
      default: v = static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) / 8.0; break;
    }
    const int exponent = v == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(v))));
    for (const char* f : formats) {
      const bool fixed = std::strchr(f, 'f') != nullptr;
      const int decimals = f[1] == '.' ? f[2] - '0' : 6;
      if (fixed && exponent + 1 + decimals > 15) continue;
      if (builtin(f, v) != libc(f, v) && ++mismatches <= 10) {
        ADD_FAILURE() << f << " of " << v << ": " << builtin(f, v) << " vs " << libc(f, v);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Format, TruncatesLikeSnprintfAndReturnsTheFullLength) {
  char small[8];
  auto call = [&](size_t capacity, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const int n = vformat_builtin(small, capacity, format, args);
    va_end(args);
    return n;
  };
  EXPECT_EQ(call(sizeof(small), "%s-%d", "abcdef", 1234), 11);
  EXPECT_STREQ(small, "abcdef-");
  small[0] = 'x';
  EXPECT_EQ(call(0, "%d", 5), 1);
  EXPECT_EQ(small[0], 'x');  // capacity 0: nothing written
}

// No format attribute: these formats are wrong on purpose.
std::string unchecked(const char* format, ...) {
  char out[64];
  va_list args;
  va_start(args, format);
  vformat_builtin(out, sizeof(out), format, args);
  va_end(args);
  return out;
}

TEST(Format, UnknownConversionStopsBeforeReadingArguments) {
  EXPECT_EQ(unchecked("a%qb %s", "never read"), "a");
  EXPECT_EQ(unchecked("trailing %"), "trailing ");
}

}  // namespace
}  // namespace nibble
