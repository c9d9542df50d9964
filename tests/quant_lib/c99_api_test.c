/* nibble/quant.h from C99 (built with -std=c99 -pedantic -Werror): the
 * header is plain C, and a C program can quantize and dequantize with it.
 * Returns 0 when every check passes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nibble/quant.h"

static int failures = 0;

static void check(int ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "FAIL: %s\n", what);
    ++failures;
  }
}

int main(void) {
  const float x[6] = {-1.0f, -0.5f, 0.0f, 0.25f, 0.5f, 1.0f};
  uint8_t q[6];
  uint8_t packed[3];
  float back[6];
  float scale = 0.0f;
  int64_t zero_point = -1;
  size_t bytes = 0;
  const char* isa = NULL;
  nibble_quant_context* context = NULL;
  nibble_error error;
  int i;

  check(nibble_quant_context_create(2, &context, &error) == NIBBLE_OK, "context_create");
  check(nibble_quant_isa(context, &isa, &error) == NIBBLE_OK && isa != NULL, "isa");

  /* Parameters for u8 on [-1, 1]: scale float(2 / 255), zero point 127. */
  check(nibble_quant_params_f32(context, x, 6, NIBBLE_QTYPE_U8, &scale, &zero_point, &error) == NIBBLE_OK, "params");
  check(scale == (float)(2.0 / 255.0), "scale");
  check(zero_point == 127, "zero point");

  check(nibble_quantize_f32(context, x, 6, q, NIBBLE_QTYPE_U8, scale, zero_point, NIBBLE_ROUND_NEAREST, 0, &error) ==
            NIBBLE_OK,
        "quantize");
  /* round(x / scale) + 127: -127.49 -> 0, -63.75 -> 63, 0 -> 127, 31.87 -> 159, 63.75 -> 191, 127.49 -> 254. */
  {
    const uint8_t expected[6] = {0, 63, 127, 159, 191, 254};
    check(memcmp(q, expected, 6) == 0, "codes");
  }
  check(nibble_dequantize_f32(context, q, 6, NIBBLE_QTYPE_U8, scale, zero_point, back, NIBBLE_STORE_SET, &error) ==
            NIBBLE_OK,
        "dequantize");
  for (i = 0; i < 6; ++i) check(fabsf(back[i] - x[i]) <= scale * 0.5f + 1e-6f, "round trip within half a step");
  /* ADD doubles the values. */
  check(nibble_dequantize_f32(NULL, q, 6, NIBBLE_QTYPE_U8, scale, zero_point, back, NIBBLE_STORE_ADD, NULL) ==
            NIBBLE_OK,
        "dequantize add");
  check(back[5] == 2.0f * (float)(254 - 127) * scale, "add");

  /* 4-bit: two per byte, low nibble first. */
  check(nibble_quant_storage_bytes(NIBBLE_QTYPE_U4, 6, &bytes, NULL) == NIBBLE_OK && bytes == 3, "storage bytes");
  check(nibble_quantize_f32(NULL, x, 6, packed, NIBBLE_QTYPE_U4, 0.25f, 4, NIBBLE_ROUND_NEAREST, 0, NULL) == NIBBLE_OK,
        "quantize u4");
  /* codes 0, 2, 4, 5, 6, 8 */
  check(packed[0] == 0x20 && packed[1] == 0x54 && packed[2] == 0x86, "u4 bytes");

  /* Any value can reach the API as an enum from C (negative ones become
   * large unsigned values where, as with GCC and Clang, these enums are
   * unsigned int): unknown values are errors with a message. */
  check(nibble_quantize_f32(NULL, x, 6, q, (nibble_qtype)-1, 1.0f, 0, NIBBLE_ROUND_NEAREST, 0, &error) ==
            NIBBLE_INVALID_ARGUMENT && strstr(error.message, "unknown nibble_qtype") != NULL,
        "type -1 refused");
  check(nibble_dequantize_f32(NULL, q, 6, (nibble_qtype)1000, 1.0f, 0, back, NIBBLE_STORE_SET, &error) ==
            NIBBLE_INVALID_ARGUMENT && strstr(error.message, "unknown nibble_qtype 1000") != NULL,
        "type 1000 refused");
  check(nibble_quantize_f32(NULL, x, 6, q, NIBBLE_QTYPE_U8, 1.0f, 0, (nibble_round_mode)2, 0, &error) ==
            NIBBLE_INVALID_ARGUMENT && strstr(error.message, "unknown nibble_round_mode 2") != NULL,
        "rounding 2 refused");
  check(nibble_dequantize_f64(NULL, q, 6, NIBBLE_QTYPE_U8, 1.0, 0, NULL, (nibble_store_mode)-7, &error) ==
            NIBBLE_INVALID_ARGUMENT && strstr(error.message, "unknown nibble_store_mode") != NULL,
        "store mode -7 refused");
  check(nibble_quant_storage_bytes((nibble_qtype)12, 4, &bytes, &error) == NIBBLE_INVALID_ARGUMENT,
        "storage bytes of type 12 refused");

  /* Errors come back with a message. */
  check(nibble_quantize_f32(NULL, x, 6, q, NIBBLE_QTYPE_U8, -1.0f, 0, NIBBLE_ROUND_NEAREST, 0, &error) ==
            NIBBLE_INVALID_ARGUMENT,
        "negative scale refused");
  check(error.status == NIBBLE_INVALID_ARGUMENT && strstr(error.message, "scale") != NULL, "error message");

  nibble_quant_context_destroy(context);
  if (failures == 0) printf("c99 quant api: ok (kernels: %s)\n", isa);
  return failures == 0 ? 0 : 1;
}
