// Every invalid argument is an error with a message, never a crash: the
// status comes back, `error` carries it and a message naming the call and
// the culprit; a NULL `error` is fine; success clears `error`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nibble/quant.h"

namespace {

struct Case {
  const char* what;
  nibble_status status;
  const char* message_part;  // must appear in the message
  std::function<nibble_status(nibble_error*)> call;
};

TEST(Errors, EveryInvalidArgumentIsReported) {
  float x[4] = {1, 2, 3, 4};
  double xd[4] = {1, 2, 3, 4};
  uint8_t q[32] = {};
  float out[4] = {};
  double outd[4] = {};
  float scale = 0;
  double scaled = 0;
  int64_t zp = 0;
  const float scales[2] = {1.0f, 1.0f};
  const float bad_scales[2] = {1.0f, -2.0f};
  const int64_t zps[2] = {0, 0};
  const int64_t bad_zps[2] = {0, 300};
  const auto nearest = NIBBLE_ROUND_NEAREST;
  const auto u8 = NIBBLE_QTYPE_U8;
  nibble_quant_context* ctx_out = nullptr;
  const std::vector<Case> cases = {
      // Enumerations. (Only values an enum can hold in C++: 12..15 for
      // nibble_qtype. Values beyond, which C callers can pass, are
      // checked by c99_api_test.c.)
      {"unknown type", NIBBLE_INVALID_ARGUMENT, "unknown nibble_qtype 12",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, x, 4, q, (nibble_qtype)12, 1, 0, nearest, 0, e); }},
      {"params unknown type", NIBBLE_INVALID_ARGUMENT, "nibble_quant_params_f32: unknown nibble_qtype",
       [&](nibble_error* e) { return nibble_quant_params_f32(nullptr, x, 4, (nibble_qtype)15, &scale, &zp, e); }},
      // NULL pointers with elements.
      {"null input", NIBBLE_INVALID_ARGUMENT, "nibble_quantize_f32: in is NULL but holds 4 elements",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, nullptr, 4, q, u8, 1, 0, nearest, 0, e); }},
      {"null output", NIBBLE_INVALID_ARGUMENT, "nibble_quantize_f64: out is NULL",
       [&](nibble_error* e) { return nibble_quantize_f64(nullptr, xd, 4, nullptr, u8, 1, 0, nearest, 0, e); }},
      {"null dequantize input", NIBBLE_INVALID_ARGUMENT, "nibble_dequantize_f64: in is NULL",
       [&](nibble_error* e) {
         return nibble_dequantize_f64(nullptr, nullptr, 4, u8, 1, 0, outd, NIBBLE_STORE_ADD, e);
       }},
      {"null dequantize output", NIBBLE_INVALID_ARGUMENT, "nibble_dequantize_f32: out is NULL",
       [&](nibble_error* e) { return nibble_dequantize_f32(nullptr, q, 4, u8, 1, 0, nullptr, NIBBLE_STORE_SET, e); }},
      {"null params data", NIBBLE_INVALID_ARGUMENT, "nibble_quant_params_f64: x is NULL",
       [&](nibble_error* e) { return nibble_quant_params_f64(nullptr, nullptr, 3, u8, &scaled, &zp, e); }},
      {"null scale result", NIBBLE_INVALID_ARGUMENT, "nibble_quant_params_f32: scale is NULL",
       [&](nibble_error* e) { return nibble_quant_params_f32(nullptr, x, 4, u8, nullptr, &zp, e); }},
      {"null zero point result", NIBBLE_INVALID_ARGUMENT, "zero_point is NULL",
       [&](nibble_error* e) { return nibble_quant_params_f32(nullptr, x, 4, u8, &scale, nullptr, e); }},
      {"null scales", NIBBLE_INVALID_ARGUMENT, "scales is NULL",
       [&](nibble_error* e) {
         return nibble_quantize_per_channel_f32(nullptr, x, 2, 2, q, u8, nullptr, zps, nearest, 0, e);
       }},
      {"null zero points", NIBBLE_INVALID_ARGUMENT, "zero_points is NULL",
       [&](nibble_error* e) {
         return nibble_dequantize_per_channel_f32(nullptr, q, 2, 2, u8, scales, nullptr, out, NIBBLE_STORE_SET, e);
       }},
      {"null params scales", NIBBLE_INVALID_ARGUMENT, "scales is NULL",
       [&](nibble_error* e) {
         return nibble_quant_params_per_channel_f64(nullptr, xd, 2, 2, u8, nullptr, nullptr, e);
       }},
      // Scales.
      {"zero scale", NIBBLE_INVALID_ARGUMENT, "scale must be finite and > 0, got 0",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, x, 4, q, u8, 0.0f, 0, nearest, 0, e); }},
      {"negative scale", NIBBLE_INVALID_ARGUMENT, "scale must be finite and > 0, got -1",
       [&](nibble_error* e) { return nibble_dequantize_f32(nullptr, q, 4, u8, -1.0f, 0, out, NIBBLE_STORE_SET, e); }},
      {"infinite scale", NIBBLE_INVALID_ARGUMENT, "scale must be finite",
       [&](nibble_error* e) { return nibble_quantize_f64(nullptr, xd, 4, q, u8, INFINITY, 0, nearest, 0, e); }},
      {"NaN scale", NIBBLE_INVALID_ARGUMENT, "scale must be finite",
       [&](nibble_error* e) { return nibble_dequantize_f64(nullptr, q, 4, u8, NAN, 0, outd, NIBBLE_STORE_SET, e); }},
      {"bad channel scale", NIBBLE_INVALID_ARGUMENT, "scales[1] must be finite and > 0, got -2",
       [&](nibble_error* e) {
         return nibble_quantize_per_channel_f32(nullptr, x, 2, 2, q, u8, bad_scales, zps, nearest, 0, e);
       }},
      // Zero points.
      {"u8 zero point 256", NIBBLE_INVALID_ARGUMENT, "zero point 256 is outside u8's range [0, 255]",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, x, 4, q, u8, 1, 256, nearest, 0, e); }},
      {"u8 zero point -1", NIBBLE_INVALID_ARGUMENT, "zero point -1 is outside u8's range",
       [&](nibble_error* e) { return nibble_dequantize_f32(nullptr, q, 4, u8, 1, -1, out, NIBBLE_STORE_SET, e); }},
      {"i4 zero point 8", NIBBLE_INVALID_ARGUMENT, "zero point 8 is outside i4's range [-8, 7]",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, x, 4, q, NIBBLE_QTYPE_I4, 1, 8, nearest, 0, e); }},
      {"u2 zero point 4", NIBBLE_INVALID_ARGUMENT, "outside u2's range [0, 3]",
       [&](nibble_error* e) { return nibble_quantize_f32(nullptr, x, 4, q, NIBBLE_QTYPE_U2, 1, 4, nearest, 0, e); }},
      {"u64 negative zero point", NIBBLE_INVALID_ARGUMENT, "(zero points are int64_t)",
       [&](nibble_error* e) { return nibble_quantize_f64(nullptr, xd, 4, q, NIBBLE_QTYPE_U64, 1, -1, nearest, 0, e); }},
      {"bad channel zero point", NIBBLE_INVALID_ARGUMENT, "zero_points[1] = 300 is outside u8's range",
       [&](nibble_error* e) {
         return nibble_dequantize_per_channel_f32(nullptr, q, 2, 2, u8, scales, bad_zps, out, NIBBLE_STORE_SET, e);
       }},
      // Sizes.
      {"channels * inner overflows", NIBBLE_OVERFLOW, "does not fit in size_t",
       [&](nibble_error* e) {
         return nibble_quantize_per_channel_f32(nullptr, x, SIZE_MAX / 2, 3, q, u8, scales, zps, nearest, 0, e);
       }},
      {"storage bytes overflow", NIBBLE_OVERFLOW, "take more than SIZE_MAX bytes",
       [&](nibble_error* e) {
         size_t bytes = 0;
         return nibble_quant_storage_bytes(NIBBLE_QTYPE_I64, SIZE_MAX / 4, &bytes, e);
       }},
      {"storage bytes null result", NIBBLE_INVALID_ARGUMENT, "bytes is NULL",
       [&](nibble_error* e) { return nibble_quant_storage_bytes(u8, 4, nullptr, e); }},
      // Non-finite data for parameters.
      {"NaN data", NIBBLE_INVALID_ARGUMENT, "contains NaN",
       [&](nibble_error* e) {
         const float bad[] = {1, NAN};
         return nibble_quant_params_f32(nullptr, bad, 2, u8, &scale, &zp, e);
       }},
      // Contexts.
      {"negative threads", NIBBLE_INVALID_ARGUMENT, "threads must be >= 0",
       [&](nibble_error* e) { return nibble_quant_context_create(-2, &ctx_out, e); }},
      {"null context out-pointer", NIBBLE_INVALID_ARGUMENT, "context out-pointer is NULL",
       [&](nibble_error* e) { return nibble_quant_context_create(1, nullptr, e); }},
      {"null threads result", NIBBLE_INVALID_ARGUMENT, "threads is NULL",
       [&](nibble_error* e) { return nibble_quant_context_threads(nullptr, nullptr, e); }},
      {"null isa result", NIBBLE_INVALID_ARGUMENT, "name is NULL",
       [&](nibble_error* e) { return nibble_quant_isa(nullptr, nullptr, e); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    nibble_error error{};
    EXPECT_EQ(c.call(&error), c.status);
    EXPECT_EQ(error.status, c.status);
    EXPECT_NE(std::string(error.message).find(c.message_part), std::string::npos) << "message: " << error.message;
    EXPECT_EQ(c.call(nullptr), c.status) << "without an error struct";
  }
  EXPECT_EQ(ctx_out, nullptr);
  // Output untouched by a refused call.
  for (uint8_t b : q) EXPECT_EQ(b, 0);
  std::printf("invalid-argument cases checked: %zu\n", cases.size());
}

TEST(Errors, SuccessClearsTheError) {
  nibble_error error{};
  error.status = NIBBLE_INTERNAL;
  std::snprintf(error.message, sizeof(error.message), "stale");
  const float x[2] = {1, 2};
  uint8_t q[2];
  EXPECT_EQ(nibble_quantize_f32(nullptr, x, 2, q, NIBBLE_QTYPE_U8, 1, 0, NIBBLE_ROUND_NEAREST, 0, &error), NIBBLE_OK);
  EXPECT_EQ(error.status, NIBBLE_OK);
  EXPECT_STREQ(error.message, "");
}

TEST(Errors, ZeroElementsAcceptNullPointers) {
  EXPECT_EQ(
      nibble_quantize_f32(nullptr, nullptr, 0, nullptr, NIBBLE_QTYPE_U4, 1, 0, NIBBLE_ROUND_STOCHASTIC, 0, nullptr),
      NIBBLE_OK);
  EXPECT_EQ(nibble_dequantize_f64(nullptr, nullptr, 0, NIBBLE_QTYPE_I64, 1, 0, nullptr, NIBBLE_STORE_ADD, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(nibble_quantize_per_channel_f32(nullptr, nullptr, 0, 5, nullptr, NIBBLE_QTYPE_U8, nullptr, nullptr,
                                            NIBBLE_ROUND_NEAREST, 0, nullptr),
            NIBBLE_OK);
  EXPECT_EQ(nibble_quant_params_per_channel_f32(nullptr, nullptr, 0, 0, NIBBLE_QTYPE_U8, nullptr, nullptr, nullptr),
            NIBBLE_OK);
}

}  // namespace
