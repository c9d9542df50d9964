#include "quant/argument_checks.h"

#include <cmath>
#include <cstddef>

namespace nibble::quant {
namespace {

// scale, or scales[channel] (channel < 0: a per-tensor scale).
Status check_scale_named(const char* function, double scale, long long channel) {
  if (std::isfinite(scale) && scale > 0) return Status::ok();
  if (channel < 0) {
    return NIBBLE_ERROR(kInvalidArgument, "%s: scale must be finite and > 0, got %g", function, scale);
  }
  return NIBBLE_ERROR(kInvalidArgument, "%s: scales[%lld] must be finite and > 0, got %g", function, channel, scale);
}

Status check_zero_point_named(const char* function, int64_t zero_point, const QTypeInfo& type, long long channel) {
  if (zero_point >= type.qmin && zero_point <= type.max_zero_point) return Status::ok();
  const char* note = type.type == QType::kU64 ? " (zero points are int64_t)" : "";
  if (channel < 0) {
    return NIBBLE_ERROR(kInvalidArgument, "%s: zero point %lld is outside %s's range [%lld, %lld]%s", function,
                        static_cast<long long>(zero_point), type.name, static_cast<long long>(type.qmin),
                        static_cast<long long>(type.max_zero_point), note);
  }
  return NIBBLE_ERROR(kInvalidArgument, "%s: zero_points[%lld] = %lld is outside %s's range [%lld, %lld]%s", function,
                      channel, static_cast<long long>(zero_point), type.name, static_cast<long long>(type.qmin),
                      static_cast<long long>(type.max_zero_point), note);
}

}  // namespace

Status check_type(const char* function, int64_t type, const QTypeInfo** info) {
  *info = type >= 0 && type <= 255 ? qtype_info(static_cast<int>(type)) : nullptr;
  if (*info != nullptr) return Status::ok();
  return NIBBLE_ERROR(kInvalidArgument, "%s: unknown nibble_qtype %lld (NIBBLE_QTYPE_U2 = 0 .. NIBBLE_QTYPE_I64 = 11)",
                      function, static_cast<long long>(type));
}

Status check_round_mode(const char* function, int64_t mode) {
  if (mode == 0 || mode == 1) return Status::ok();
  return NIBBLE_ERROR(kInvalidArgument,
                      "%s: unknown nibble_round_mode %lld (NIBBLE_ROUND_NEAREST = 0, NIBBLE_ROUND_STOCHASTIC = 1)",
                      function, static_cast<long long>(mode));
}

Status check_store_mode(const char* function, int64_t mode) {
  if (mode == 0 || mode == 1) return Status::ok();
  return NIBBLE_ERROR(kInvalidArgument,
                      "%s: unknown nibble_store_mode %lld (NIBBLE_STORE_SET = 0, NIBBLE_STORE_ADD = 1)", function,
                      static_cast<long long>(mode));
}

Status check_array(const char* function, const void* pointer, const char* name, uint64_t count) {
  if (pointer != nullptr || count == 0) return Status::ok();
  return NIBBLE_ERROR(kInvalidArgument, "%s: %s is NULL but holds %llu elements", function, name,
                      static_cast<unsigned long long>(count));
}

Status check_result(const char* function, const void* pointer, const char* name) {
  if (pointer != nullptr) return Status::ok();
  return NIBBLE_ERROR(kInvalidArgument, "%s: %s is NULL", function, name);
}

Status check_scale(const char* function, double scale) { return check_scale_named(function, scale, -1); }

Status check_zero_point(const char* function, int64_t zero_point, const QTypeInfo& type) {
  return check_zero_point_named(function, zero_point, type, -1);
}

template <typename F>
Status check_channel_params(const char* function, const F* scales, const int64_t* zero_points, uint64_t channels,
                            const QTypeInfo& type) {
  for (uint64_t c = 0; c < channels; ++c) {
    NIBBLE_RETURN_IF_ERROR(check_scale_named(function, scales[c], static_cast<long long>(c)));
    NIBBLE_RETURN_IF_ERROR(check_zero_point_named(function, zero_points[c], type, static_cast<long long>(c)));
  }
  return Status::ok();
}

template Status check_channel_params<float>(const char*, const float*, const int64_t*, uint64_t, const QTypeInfo&);
template Status check_channel_params<double>(const char*, const double*, const int64_t*, uint64_t, const QTypeInfo&);

Status element_count(const char* function, uint64_t channels, uint64_t inner, uint64_t* n) {
  if (inner != 0 && channels > SIZE_MAX / inner) {
    return NIBBLE_ERROR(kOverflow, "%s: channels * inner (%llu * %llu) does not fit in size_t", function,
                        static_cast<unsigned long long>(channels), static_cast<unsigned long long>(inner));
  }
  *n = channels * inner;
  return Status::ok();
}

}  // namespace nibble::quant
