#include "core/format.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace nibble {
namespace {

// Counts everything, stores what fits.
struct Sink {
  char* out;
  size_t capacity;
  size_t length = 0;

  void put(char c) {
    if (length + 1 < capacity) out[length] = c;
    ++length;
  }
  void put(const char* s, size_t n) {
    for (size_t i = 0; i < n; ++i) put(s[i]);
  }
  void pad(char c, int n) {
    for (int i = 0; i < n; ++i) put(c);
  }
  int finish() {
    if (capacity > 0) out[length < capacity ? length : capacity - 1] = '\0';
    return static_cast<int>(length);
  }
};

struct Spec {
  bool left = false, zero = false, plus = false, space = false;
  int width = 0;
  int precision = -1;  // -1: none given
};

// Writes prefix (sign, "0x") and body, padded to the width.
void emit(Sink& sink, const Spec& spec, const char* prefix, const char* body, size_t body_length,
          int zeros = 0) {
  size_t prefix_length = 0;
  while (prefix[prefix_length] != '\0') ++prefix_length;
  const int used = static_cast<int>(prefix_length + body_length) + zeros;
  const int fill = spec.width > used ? spec.width - used : 0;
  if (!spec.left && !spec.zero) sink.pad(' ', fill);
  sink.put(prefix, prefix_length);
  if (!spec.left && spec.zero) sink.pad('0', fill);
  sink.pad('0', zeros);
  sink.put(body, body_length);
  if (spec.left) sink.pad(' ', fill);
}

void emit_integer(Sink& sink, Spec spec, unsigned long long magnitude, bool negative, unsigned base,
                  bool upper, const char* prefix_hex = "") {
  char digits[24];
  size_t n = 0;
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[sizeof(digits) - 1 - n++] = alphabet[magnitude % base];
    magnitude /= base;
  } while (magnitude != 0);
  if (spec.precision == 0 && n == 1 && digits[sizeof(digits) - 1] == '0') n = 0;  // %.0d of 0: nothing
  int zeros = spec.precision > static_cast<int>(n) ? spec.precision - static_cast<int>(n) : 0;
  if (spec.precision >= 0) spec.zero = false;
  const char* prefix = negative ? "-" : spec.plus ? "+" : spec.space ? " " : prefix_hex;
  emit(sink, spec, prefix, digits + sizeof(digits) - n, n, zeros);
}

// v * 10^k with one correctly rounded operation while 10^k is exact in a
// double (|k| <= 22, which covers every value a message prints); beyond
// that, repeated steps (a last-digit error is possible there). *residual
// gets the sign of (exact result - returned value), from an fma, so a
// product that rounded onto a .5 can still be rounded the right way.
double scale_pow10(double v, int k, int* residual) {
  static constexpr double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  while (k > 22) { v *= 1e22; k -= 22; }
  while (k < -22) { v /= 1e22; k += 22; }
  double r = 0.0;
  if (k >= 0) {
    const double product = v * kPow10[k];
    r = __builtin_fma(v, kPow10[k], -product);  // v*p - product, exactly
    *residual = r > 0.0 ? 1 : r < 0.0 ? -1 : 0;
    return product;
  }
  const double quotient = v / kPow10[-k];
  r = __builtin_fma(-quotient, kPow10[-k], v);  // v - quotient*p, exactly: the sign of the error
  *residual = r > 0.0 ? 1 : r < 0.0 ? -1 : 0;
  return quotient;
}

// Nearest integer to s (+ a residual of sign `residual`), ties to even
// (what printf does in the default rounding mode); s is in [0, 2^63).
uint64_t round_half_even(double s, int residual) {
  const uint64_t whole = static_cast<uint64_t>(s);
  const double fraction = s - static_cast<double>(whole);  // exact
  if (fraction > 0.5) return whole + 1;
  if (fraction < 0.5) return whole;
  if (residual != 0) return residual > 0 ? whole + 1 : whole;
  return (whole & 1) != 0 ? whole + 1 : whole;
}

// %g / %e / %f of a finite value >= 0 into text (NUL-terminated). At most
// 15 significant digits are exact (the rest print as zeros): glibc's up to
// that, checked on random values in tests/runtime/format_test.cc.
size_t float_text(double v, char conversion, int precision, char* text, size_t capacity) {
  if (precision < 0) precision = 6;
  if (precision > 40) precision = 40;
  const bool is_g = conversion == 'g';
  const int g_precision = precision == 0 ? 1 : precision;
  // Decimal exponent x: v = m * 10^x with m in [1, 10), first estimated,
  // then corrected from the digits themselves.
  int x = 0;
  for (double m = v; m != 0.0 && m >= 10.0; m /= 10.0) ++x;
  for (double m = v; m != 0.0 && m < 1.0; m *= 10.0) --x;
  int significant = 0;
  uint64_t digits = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    significant = is_g ? g_precision : conversion == 'e' ? precision + 1 : x + 1 + precision;
    if (significant > 15) significant = 15;  // scaled stays below 2^53: exact integers
    if (significant <= 0) {
      // %f that ends before the first digit: 0, or 10^-precision when v is
      // above half of that (a tie goes to the even 0).
      int residual = 0;
      const double scaled = scale_pow10(v, precision, &residual);
      const bool up = significant == 0 && (scaled > 0.5 || (scaled == 0.5 && residual > 0));
      significant = up ? 1 : 0;
      digits = up ? 1 : 0;
      if (up) x = -precision;
      break;
    }
    uint64_t limit = 1;  // 10^significant
    for (int i = 0; i < significant; ++i) limit *= 10;
    int residual = 0;
    const double scaled = v == 0.0 ? 0.0 : scale_pow10(v, significant - 1 - x, &residual);
    digits = round_half_even(scaled, residual);
    if (digits >= limit) {  // x too small, or rounding carried (9.9999 -> 10.000)
      ++x;
      continue;
    }
    if (v != 0.0 && digits < limit / 10 && attempt == 0) {  // x too large
      --x;
      continue;
    }
    break;
  }
  char d[24];  // the significant digits, most significant first
  for (int i = significant - 1; i >= 0; --i) {
    d[i] = static_cast<char>('0' + digits % 10);
    digits /= 10;
  }
  size_t n = 0;
  auto add = [&](char c) {
    if (n + 1 < capacity) text[n++] = c;
  };
  auto digit = [&](int i) { return i >= 0 && i < significant ? d[i] : '0'; };
  if (conversion == 'e' || (is_g && (x < -4 || x >= g_precision))) {
    int fraction = is_g ? g_precision - 1 : precision;
    if (is_g) {
      while (fraction > 0 && digit(fraction) == '0') --fraction;  // %g drops trailing zeros
    }
    add(digit(0));
    if (fraction > 0) add('.');
    for (int i = 1; i <= fraction; ++i) add(digit(i));
    add('e');
    add(x < 0 ? '-' : '+');
    const int e = x < 0 ? -x : x;
    if (e >= 100) add(static_cast<char>('0' + e / 100));
    add(static_cast<char>('0' + e / 10 % 10));
    add(static_cast<char>('0' + e % 10));
  } else {
    // Digit i has weight 10^(x - i).
    int fraction = is_g ? g_precision - 1 - x : precision;
    if (is_g) {
      while (fraction > 0 && digit(x + fraction) == '0') --fraction;
    }
    if (x < 0) {
      add('0');
    } else {
      for (int i = 0; i <= x; ++i) add(digit(i));
    }
    if (fraction > 0) add('.');
    for (int k = 1; k <= fraction; ++k) add(digit(x + k));
  }
  text[n] = '\0';
  return n;
}

void emit_float(Sink& sink, Spec spec, double v, char conversion) {
  const bool negative = std::signbit(v);
  const char* prefix = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  if (std::isnan(v) || std::isinf(v)) {
    spec.zero = false;
    emit(sink, spec, prefix, std::isnan(v) ? "nan" : "inf", 3);
    return;
  }
  char text[64];
  const size_t n = float_text(negative ? -v : v, conversion, spec.precision, text, sizeof(text));
  emit(sink, spec, prefix, text, n);
}

}  // namespace

int vformat_builtin(char* out, size_t capacity, const char* format, va_list args) {
  Sink sink{out, capacity};
  for (const char* p = format; *p != '\0'; ++p) {
    if (*p != '%') {
      sink.put(*p);
      continue;
    }
    Spec spec;
    for (++p;; ++p) {
      if (*p == '-') spec.left = true;
      else if (*p == '0') spec.zero = true;
      else if (*p == '+') spec.plus = true;
      else if (*p == ' ') spec.space = true;
      else break;
    }
    if (*p == '*') {
      spec.width = va_arg(args, int);
      if (spec.width < 0) { spec.left = true; spec.width = -spec.width; }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      ++p;
      spec.precision = 0;
      if (*p == '*') {
        spec.precision = va_arg(args, int);
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + (*p++ - '0');
      }
    }
    // Length: how wide the argument is (0 int, 1 long, 2 long long,
    // 3 size_t-like, -1 short, -2 char; the last two arrive as int).
    int length = 0;
    if (p[0] == 'h') { length = p[1] == 'h' ? -2 : -1; p += -length; }
    else if (p[0] == 'l' && p[1] == 'l') { length = 2; p += 2; }
    else if (p[0] == 'l') { length = 1; ++p; }
    else if (*p == 'z' || *p == 'j' || *p == 't') { length = *p == 'j' ? 2 : 3; ++p; }
    const char c = *p;
    if (c == 'd' || c == 'i') {
      long long v = length == 2 ? va_arg(args, long long)
                  : length == 1 ? va_arg(args, long)
                  : length == 3 ? static_cast<long long>(va_arg(args, ptrdiff_t))
                                : va_arg(args, int);
      if (length == -1) v = static_cast<short>(v);
      if (length == -2) v = static_cast<signed char>(v);
      const unsigned long long magnitude = v < 0 ? 0ull - static_cast<unsigned long long>(v) : v;
      emit_integer(sink, spec, magnitude, v < 0, 10, false);
    } else if (c == 'u' || c == 'x' || c == 'X') {
      unsigned long long v = length == 2 ? va_arg(args, unsigned long long)
                           : length == 1 ? va_arg(args, unsigned long)
                           : length == 3 ? va_arg(args, size_t)
                                         : va_arg(args, unsigned int);
      if (length == -1) v = static_cast<unsigned short>(v);
      if (length == -2) v = static_cast<unsigned char>(v);
      spec.plus = spec.space = false;
      emit_integer(sink, spec, v, false, c == 'u' ? 10 : 16, c == 'X');
    } else if (c == 'p') {
      const void* v = va_arg(args, const void*);
      spec.plus = spec.space = spec.zero = false;
      if (v == nullptr) {
        emit(sink, spec, "", "(nil)", 5);
      } else {
        emit_integer(sink, spec, reinterpret_cast<uintptr_t>(v), false, 16, false, "0x");
      }
    } else if (c == 'c') {
      const char v = static_cast<char>(va_arg(args, int));
      spec.zero = false;
      emit(sink, spec, "", &v, 1);
    } else if (c == 's') {
      const char* v = va_arg(args, const char*);
      if (v == nullptr) v = "(null)";
      size_t n = 0;
      while (v[n] != '\0' && (spec.precision < 0 || n < static_cast<size_t>(spec.precision))) ++n;
      spec.zero = false;
      emit(sink, spec, "", v, n);
    } else if (c == 'g' || c == 'e' || c == 'f') {
      emit_float(sink, spec, va_arg(args, double), c);
    } else if (c == '%') {
      sink.put('%');
    } else {
      break;  // unknown conversion (or the format ended): stop before reading any argument
    }
  }
  return sink.finish();
}

int vformat(char* out, size_t capacity, const char* format, va_list args) {
#if NIBBLE_FREESTANDING
  return vformat_builtin(out, capacity, format, args);
#else
  return std::vsnprintf(out, capacity, format, args);
#endif
}

int format(char* out, size_t capacity, const char* format, ...) {
  va_list args;
  va_start(args, format);
  const int n = vformat(out, capacity, format, args);
  va_end(args);
  return n;
}

}  // namespace nibble
