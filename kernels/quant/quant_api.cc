// The C99 API of nibble/quant.h: checks every argument, then hands the
// work to the drivers (quantize.h, dequantize.h, quant_params.h).
#include <cstring>
#include <type_traits>

#include "core/format.h"
#include "nibble/quant.h"
#include "quant/argument_checks.h"
#include "quant/dequantize.h"
#include "quant/quant_context.h"
#include "quant/quant_params.h"
#include "quant/quantize.h"

namespace nibble::quant {
namespace {

nibble_status report(const Status& status, nibble_error* error) {
  const nibble_status code = static_cast<nibble_status>(status.code());
  if (error != nullptr) {
    error->status = code;
    format(error->message, sizeof(error->message), "%s", status.message());
  }
  return code;
}

// A C caller may pass any value as a nibble_qtype / _round_mode /
// _store_mode, but in C++ reading an enum object outside its enumerators'
// range is undefined behaviour. So the API reads the argument's bytes as
// the enum's underlying integer type (int-sized on hosted ABIs, a byte
// with arm-none-eabi's short enums) and checks that value.
template <typename Enum>
int64_t raw_enum(const Enum& value) {
  using Raw = std::underlying_type_t<Enum>;
  static_assert(sizeof(Raw) == sizeof(Enum), "an enum is stored as its underlying type");
  Raw raw;
  std::memcpy(&raw, &value, sizeof(raw));
  return static_cast<int64_t>(raw);
}

#define NIBBLE_QUANT_CHECK(expr, error)                              \
  do {                                                               \
    const ::nibble::Status check_status_ = (expr);                   \
    if (!check_status_.is_ok()) return report(check_status_, error); \
  } while (0)

template <typename F>
nibble_status quantize_call(const char* function, nibble_quant_context* context, const F* in, uint64_t channels,
                            uint64_t inner, void* out, int64_t type, const F* scales, const int64_t* zero_points,
                            int64_t mode, uint64_t seed, bool per_channel, nibble_error* error) {
  const QTypeInfo* info = nullptr;
  uint64_t n = 0;
  NIBBLE_QUANT_CHECK(check_type(function, type, &info), error);
  NIBBLE_QUANT_CHECK(check_round_mode(function, mode), error);
  NIBBLE_QUANT_CHECK(element_count(function, channels, inner, &n), error);
  NIBBLE_QUANT_CHECK(check_array(function, in, "in", n), error);
  NIBBLE_QUANT_CHECK(check_array(function, out, "out", n), error);
  if (per_channel) {
    NIBBLE_QUANT_CHECK(check_array(function, scales, "scales", channels), error);
    NIBBLE_QUANT_CHECK(check_array(function, zero_points, "zero_points", channels), error);
    NIBBLE_QUANT_CHECK(check_channel_params(function, scales, zero_points, channels, *info), error);
  } else {
    NIBBLE_QUANT_CHECK(check_scale(function, scales[0]), error);
    NIBBLE_QUANT_CHECK(check_zero_point(function, zero_points[0], *info), error);
  }
  if (n > 0) {
    const QuantizeJob<F> job{in, out, n, inner, scales, zero_points, info, static_cast<RoundMode>(mode), seed};
    quantize(context, job);
  }
  return report(Status::ok(), error);
}

template <typename F>
nibble_status dequantize_call(const char* function, nibble_quant_context* context, const void* in, uint64_t channels,
                              uint64_t inner, int64_t type, const F* scales, const int64_t* zero_points, F* out,
                              int64_t store, bool per_channel, nibble_error* error) {
  const QTypeInfo* info = nullptr;
  uint64_t n = 0;
  NIBBLE_QUANT_CHECK(check_type(function, type, &info), error);
  NIBBLE_QUANT_CHECK(check_store_mode(function, store), error);
  NIBBLE_QUANT_CHECK(element_count(function, channels, inner, &n), error);
  NIBBLE_QUANT_CHECK(check_array(function, in, "in", n), error);
  NIBBLE_QUANT_CHECK(check_array(function, out, "out", n), error);
  if (per_channel) {
    NIBBLE_QUANT_CHECK(check_array(function, scales, "scales", channels), error);
    NIBBLE_QUANT_CHECK(check_array(function, zero_points, "zero_points", channels), error);
    NIBBLE_QUANT_CHECK(check_channel_params(function, scales, zero_points, channels, *info), error);
  } else {
    NIBBLE_QUANT_CHECK(check_scale(function, scales[0]), error);
    NIBBLE_QUANT_CHECK(check_zero_point(function, zero_points[0], *info), error);
  }
  if (n > 0) {
    const DequantizeJob<F> job{in, out, n, inner, scales, zero_points, info, static_cast<StoreMode>(store)};
    dequantize(context, job);
  }
  return report(Status::ok(), error);
}

template <typename F>
nibble_status params_call(const char* function, nibble_quant_context* context, const F* x, uint64_t channels,
                          uint64_t inner, int64_t type, F* scales, int64_t* zero_points, bool per_channel,
                          nibble_error* error) {
  const QTypeInfo* info = nullptr;
  uint64_t n = 0;
  NIBBLE_QUANT_CHECK(check_type(function, type, &info), error);
  NIBBLE_QUANT_CHECK(element_count(function, channels, inner, &n), error);
  NIBBLE_QUANT_CHECK(check_array(function, x, "x", n), error);
  if (per_channel) {
    NIBBLE_QUANT_CHECK(check_array(function, scales, "scales", channels), error);
    NIBBLE_QUANT_CHECK(check_array(function, zero_points, "zero_points", channels), error);
    if (channels == 0) return report(Status::ok(), error);
    return report(compute_params_per_channel(context, x, channels, inner, *info, scales, zero_points, function), error);
  }
  NIBBLE_QUANT_CHECK(check_result(function, scales, "scale"), error);
  NIBBLE_QUANT_CHECK(check_result(function, zero_points, "zero_point"), error);
  return report(compute_params(context, x, n, *info, scales, zero_points, function), error);
}

}  // namespace
}  // namespace nibble::quant

using nibble::quant::dequantize_call;
using nibble::quant::params_call;
using nibble::quant::quantize_call;
using nibble::quant::raw_enum;
using nibble::quant::report;

extern "C" {

nibble_status nibble_quant_context_create(int threads, nibble_quant_context** context, nibble_error* error) {
  if (context == nullptr) {
    return report(NIBBLE_ERROR(kInvalidArgument, "nibble_quant_context_create: context out-pointer is NULL"), error);
  }
  return report(nibble::quant::create_context(threads, context), error);
}

void nibble_quant_context_destroy(nibble_quant_context* context) { nibble::quant::destroy_context(context); }

nibble_status nibble_quant_context_threads(const nibble_quant_context* context, int* threads, nibble_error* error) {
  NIBBLE_QUANT_CHECK(nibble::quant::check_result("nibble_quant_context_threads", threads, "threads"), error);
  *threads = nibble::quant::context_threads(context);
  return report(nibble::Status::ok(), error);
}

nibble_status nibble_quant_isa(const nibble_quant_context* context, const char** name, nibble_error* error) {
  NIBBLE_QUANT_CHECK(nibble::quant::check_result("nibble_quant_isa", name, "name"), error);
  *name = nibble::quant::context_kernels(context).name;
  return report(nibble::Status::ok(), error);
}

nibble_status nibble_quant_storage_bytes(nibble_qtype type, size_t n, size_t* bytes, nibble_error* error) {
  const char* function = "nibble_quant_storage_bytes";
  const nibble::quant::QTypeInfo* info = nullptr;
  NIBBLE_QUANT_CHECK(nibble::quant::check_type(function, raw_enum(type), &info), error);
  NIBBLE_QUANT_CHECK(nibble::quant::check_result(function, bytes, "bytes"), error);
  const uint64_t width = info->bits >= 8 ? static_cast<uint64_t>(info->bits / 8) : 1;
  if (info->bits >= 8 && n > SIZE_MAX / width) {
    return report(NIBBLE_ERROR(kOverflow, "%s: %llu elements of %s take more than SIZE_MAX bytes", function,
                               static_cast<unsigned long long>(n), info->name),
                  error);
  }
  *bytes = static_cast<size_t>(nibble::quant::storage_bytes(*info, n));
  return report(nibble::Status::ok(), error);
}

nibble_status nibble_quant_params_f32(nibble_quant_context* context, const float* x, size_t n, nibble_qtype type,
                                      float* scale, int64_t* zero_point, nibble_error* error) {
  return params_call<float>("nibble_quant_params_f32", context, x, 1, n, raw_enum(type), scale, zero_point, false,
                            error);
}

nibble_status nibble_quant_params_f64(nibble_quant_context* context, const double* x, size_t n, nibble_qtype type,
                                      double* scale, int64_t* zero_point, nibble_error* error) {
  return params_call<double>("nibble_quant_params_f64", context, x, 1, n, raw_enum(type), scale, zero_point, false,
                             error);
}

nibble_status nibble_quantize_f32(nibble_quant_context* context, const float* in, size_t n, void* out,
                                  nibble_qtype type, float scale, int64_t zero_point, nibble_round_mode mode,
                                  uint64_t seed, nibble_error* error) {
  return quantize_call<float>("nibble_quantize_f32", context, in, 1, n, out, raw_enum(type), &scale, &zero_point,
                              raw_enum(mode), seed, false, error);
}

nibble_status nibble_quantize_f64(nibble_quant_context* context, const double* in, size_t n, void* out,
                                  nibble_qtype type, double scale, int64_t zero_point, nibble_round_mode mode,
                                  uint64_t seed, nibble_error* error) {
  return quantize_call<double>("nibble_quantize_f64", context, in, 1, n, out, raw_enum(type), &scale, &zero_point,
                               raw_enum(mode), seed, false, error);
}

nibble_status nibble_dequantize_f32(nibble_quant_context* context, const void* in, size_t n, nibble_qtype type,
                                    float scale, int64_t zero_point, float* out, nibble_store_mode store,
                                    nibble_error* error) {
  return dequantize_call<float>("nibble_dequantize_f32", context, in, 1, n, raw_enum(type), &scale, &zero_point, out,
                                raw_enum(store), false, error);
}

nibble_status nibble_dequantize_f64(nibble_quant_context* context, const void* in, size_t n, nibble_qtype type,
                                    double scale, int64_t zero_point, double* out, nibble_store_mode store,
                                    nibble_error* error) {
  return dequantize_call<double>("nibble_dequantize_f64", context, in, 1, n, raw_enum(type), &scale, &zero_point, out,
                                 raw_enum(store), false, error);
}

nibble_status nibble_quant_params_per_channel_f32(nibble_quant_context* context, const float* x, size_t channels,
                                                  size_t inner, nibble_qtype type, float* scales, int64_t* zero_points,
                                                  nibble_error* error) {
  return params_call<float>("nibble_quant_params_per_channel_f32", context, x, channels, inner, raw_enum(type), scales,
                            zero_points, true, error);
}

nibble_status nibble_quant_params_per_channel_f64(nibble_quant_context* context, const double* x, size_t channels,
                                                  size_t inner, nibble_qtype type, double* scales, int64_t* zero_points,
                                                  nibble_error* error) {
  return params_call<double>("nibble_quant_params_per_channel_f64", context, x, channels, inner, raw_enum(type), scales,
                             zero_points, true, error);
}

nibble_status nibble_quantize_per_channel_f32(nibble_quant_context* context, const float* in, size_t channels,
                                              size_t inner, void* out, nibble_qtype type, const float* scales,
                                              const int64_t* zero_points, nibble_round_mode mode, uint64_t seed,
                                              nibble_error* error) {
  return quantize_call<float>("nibble_quantize_per_channel_f32", context, in, channels, inner, out, raw_enum(type),
                              scales, zero_points, raw_enum(mode), seed, true, error);
}

nibble_status nibble_quantize_per_channel_f64(nibble_quant_context* context, const double* in, size_t channels,
                                              size_t inner, void* out, nibble_qtype type, const double* scales,
                                              const int64_t* zero_points, nibble_round_mode mode, uint64_t seed,
                                              nibble_error* error) {
  return quantize_call<double>("nibble_quantize_per_channel_f64", context, in, channels, inner, out, raw_enum(type),
                               scales, zero_points, raw_enum(mode), seed, true, error);
}

nibble_status nibble_dequantize_per_channel_f32(nibble_quant_context* context, const void* in, size_t channels,
                                                size_t inner, nibble_qtype type, const float* scales,
                                                const int64_t* zero_points, float* out, nibble_store_mode store,
                                                nibble_error* error) {
  return dequantize_call<float>("nibble_dequantize_per_channel_f32", context, in, channels, inner, raw_enum(type),
                                scales, zero_points, out, raw_enum(store), true, error);
}

nibble_status nibble_dequantize_per_channel_f64(nibble_quant_context* context, const void* in, size_t channels,
                                                size_t inner, nibble_qtype type, const double* scales,
                                                const int64_t* zero_points, double* out, nibble_store_mode store,
                                                nibble_error* error) {
  return dequantize_call<double>("nibble_dequantize_per_channel_f64", context, in, channels, inner, raw_enum(type),
                                 scales, zero_points, out, raw_enum(store), true, error);
}

}  // extern "C"
