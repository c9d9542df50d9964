// Every type x f32/f64 x per-tensor/per-channel x rounding mode: quantize
// and dequantize (SET and ADD) through the C API, bit-exact against the
// tests' reference (reference.h), over odd lengths: 0, 1, 3, 7, 31, 33,
// 1001 and 4099 (not a multiple of any SIMD width), and a threaded run of
// 200003 elements.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "nibble/quant.h"
#include "reference.h"
#include "test_data.h"

namespace quant_test {
namespace {

constexpr size_t kLengths[] = {0, 1, 3, 7, 31, 33, 1001, 4099};

// f32 and f64 entry points under one name.
nibble_status quantize(nibble_quant_context* ctx, const float* in, size_t channels, size_t inner, void* out,
                       nibble_qtype type, const std::vector<float>& scales, const std::vector<int64_t>& zps,
                       bool per_channel, nibble_round_mode mode, uint64_t seed, nibble_error* error) {
  if (per_channel) {
    return nibble_quantize_per_channel_f32(ctx, in, channels, inner, out, type, scales.data(), zps.data(), mode, seed,
                                           error);
  }
  return nibble_quantize_f32(ctx, in, inner, out, type, scales[0], zps[0], mode, seed, error);
}

nibble_status quantize(nibble_quant_context* ctx, const double* in, size_t channels, size_t inner, void* out,
                       nibble_qtype type, const std::vector<double>& scales, const std::vector<int64_t>& zps,
                       bool per_channel, nibble_round_mode mode, uint64_t seed, nibble_error* error) {
  if (per_channel) {
    return nibble_quantize_per_channel_f64(ctx, in, channels, inner, out, type, scales.data(), zps.data(), mode, seed,
                                           error);
  }
  return nibble_quantize_f64(ctx, in, inner, out, type, scales[0], zps[0], mode, seed, error);
}

nibble_status dequantize(nibble_quant_context* ctx, const void* in, size_t channels, size_t inner, nibble_qtype type,
                         const std::vector<float>& scales, const std::vector<int64_t>& zps, float* out,
                         bool per_channel, nibble_store_mode store, nibble_error* error) {
  if (per_channel) {
    return nibble_dequantize_per_channel_f32(ctx, in, channels, inner, type, scales.data(), zps.data(), out, store,
                                             error);
  }
  return nibble_dequantize_f32(ctx, in, inner, type, scales[0], zps[0], out, store, error);
}

nibble_status dequantize(nibble_quant_context* ctx, const void* in, size_t channels, size_t inner, nibble_qtype type,
                         const std::vector<double>& scales, const std::vector<int64_t>& zps, double* out,
                         bool per_channel, nibble_store_mode store, nibble_error* error) {
  if (per_channel) {
    return nibble_dequantize_per_channel_f64(ctx, in, channels, inner, type, scales.data(), zps.data(), out, store,
                                             error);
  }
  return nibble_dequantize_f64(ctx, in, inner, type, scales[0], zps[0], out, store, error);
}

template <typename F>
void check_round_trip(nibble_quant_context* ctx, const TypeSpec& t, bool per_channel, nibble_round_mode mode,
                      size_t inner, uint64_t seed) {
  SCOPED_TRACE(std::string(t.name) + (sizeof(F) == 4 ? " f32" : " f64") +
               (per_channel ? " per-channel" : " per-tensor") +
               (mode == NIBBLE_ROUND_STOCHASTIC ? " stochastic" : " nearest") + " inner=" + std::to_string(inner));
  // Per channel: 3 channels, so odd `inner` puts channel starts mid-byte.
  const size_t channels = per_channel ? 3 : 1;
  const size_t n = channels * inner;
  std::vector<F> scales;
  std::vector<int64_t> zps;
  make_params<F>(channels, t, seed, &scales, &zps);
  std::vector<F> x;
  for (size_t c = 0; c < channels; ++c) {
    const std::vector<F> part = make_data<F>(inner, t, scales[c], zps[c], seed * 31 + c);
    x.insert(x.end(), part.begin(), part.end());
  }

  // Quantize: exactly the reference's bytes (padding fields included).
  const std::vector<uint8_t> expected = quantize_all(x, inner, t, scales, zps, mode, seed);
  std::vector<uint8_t> codes(expected.size() + 1, 0xAB);  // + a guard byte
  nibble_error error{};
  ASSERT_EQ(
      quantize(ctx, x.data(), channels, inner, codes.data(), t.type, scales, zps, per_channel, mode, seed, &error),
      NIBBLE_OK)
      << error.message;
  EXPECT_EQ(codes.back(), 0xAB) << "wrote past the end";
  codes.pop_back();
  for (size_t i = 0; i < n; ++i) {
    const i128 got = load_code(codes.data(), t, i);
    const i128 want = load_code(expected.data(), t, i);
    if (got != want) {
      ADD_FAILURE() << "code " << i << " of " << n << ": x = " << x[i] << ", got " << static_cast<long double>(got)
                    << ", want " << static_cast<long double>(want);
      break;
    }
  }
  EXPECT_EQ(codes, expected);

  // Dequantize, SET: the reference's values, bit for bit.
  std::vector<F> want(n), got(n + 1, F(7));
  dequantize_all<F>(codes.data(), channels, inner, t, scales, zps, NIBBLE_STORE_SET, &want);
  ASSERT_EQ(dequantize(ctx, codes.data(), channels, inner, t.type, scales, zps, got.data(), per_channel,
                       NIBBLE_STORE_SET, &error),
            NIBBLE_OK)
      << error.message;
  EXPECT_EQ(got.back(), F(7)) << "wrote past the end";
  for (size_t i = 0; i < n; ++i) {
    if (!same_bits(got[i], want[i])) {
      ADD_FAILURE() << "SET value " << i << ": got " << got[i] << ", want " << want[i];
      break;
    }
  }

  // ADD on top of other values.
  std::vector<F> base(n);
  for (size_t i = 0; i < n; ++i) base[i] = static_cast<F>(static_cast<double>(i % 17) * 0.25 - 1.5);
  std::vector<F> want_add = base, got_add = base;
  dequantize_all<F>(codes.data(), channels, inner, t, scales, zps, NIBBLE_STORE_ADD, &want_add);
  ASSERT_EQ(dequantize(ctx, codes.data(), channels, inner, t.type, scales, zps, got_add.data(), per_channel,
                       NIBBLE_STORE_ADD, &error),
            NIBBLE_OK)
      << error.message;
  for (size_t i = 0; i < n; ++i) {
    if (!same_bits(got_add[i], want_add[i])) {
      ADD_FAILURE() << "ADD value " << i << ": got " << got_add[i] << ", want " << want_add[i];
      break;
    }
  }
}

// (type index, f64?, per channel?, stochastic?)
class RoundTrip : public testing::TestWithParam<std::tuple<int, bool, bool, bool>> {};

TEST_P(RoundTrip, MatchesReferenceAtEveryLength) {
  const auto [type_index, f64, per_channel, stochastic] = GetParam();
  const TypeSpec& t = kTypes[type_index];
  const nibble_round_mode mode = stochastic ? NIBBLE_ROUND_STOCHASTIC : NIBBLE_ROUND_NEAREST;
  uint64_t seed = 1000 + static_cast<uint64_t>(type_index);
  for (size_t length : kLengths) {
    if (f64) {
      check_round_trip<double>(nullptr, t, per_channel, mode, length, seed++);
    } else {
      check_round_trip<float>(nullptr, t, per_channel, mode, length, seed++);
    }
  }
}

TEST_P(RoundTrip, MatchesReferenceThreaded) {
  const auto [type_index, f64, per_channel, stochastic] = GetParam();
  const TypeSpec& t = kTypes[type_index];
  const nibble_round_mode mode = stochastic ? NIBBLE_ROUND_STOCHASTIC : NIBBLE_ROUND_NEAREST;
  nibble_quant_context* ctx = nullptr;
  ASSERT_EQ(nibble_quant_context_create(3, &ctx, nullptr), NIBBLE_OK);
  // Per channel: 3 x 66667, so chunk and channel boundaries fall mid-byte
  // of packed codes and mid-channel.
  const size_t inner = per_channel ? 66667 : 200003;
  if (f64) {
    check_round_trip<double>(ctx, t, per_channel, mode, inner, 77);
  } else {
    check_round_trip<float>(ctx, t, per_channel, mode, inner, 77);
  }
  nibble_quant_context_destroy(ctx);
}

std::string round_trip_name(const testing::TestParamInfo<RoundTrip::ParamType>& info) {
  const auto [type_index, f64, per_channel, stochastic] = info.param;
  return std::string(kTypes[type_index].name) + (f64 ? "_f64" : "_f32") +
         (per_channel ? "_per_channel" : "_per_tensor") + (stochastic ? "_stochastic" : "_nearest");
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip,
                         testing::Combine(testing::Range(0, 12), testing::Bool(), testing::Bool(), testing::Bool()),
                         round_trip_name);

}  // namespace
}  // namespace quant_test
