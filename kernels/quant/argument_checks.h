// Checks of the C API's arguments. Each returns ok or an
// kInvalidArgument / kOverflow Status whose message starts with the name
// of the API call and names the argument at fault and its value.
#pragma once

#include <cstdint>

#include "nibble/status.h"
#include "quant/qtype.h"

namespace nibble::quant {

// Enumerations, as the integers the caller passed.
Status check_type(const char* function, int64_t type, const QTypeInfo** info);
Status check_round_mode(const char* function, int64_t mode);
Status check_store_mode(const char* function, int64_t mode);

// An array of `count` elements: NULL only when count is 0.
Status check_array(const char* function, const void* pointer, const char* name, uint64_t count);
// A result pointer: never NULL.
Status check_result(const char* function, const void* pointer, const char* name);

// Finite and > 0.
Status check_scale(const char* function, double scale);
Status check_zero_point(const char* function, int64_t zero_point, const QTypeInfo& type);
template <typename F>
Status check_channel_params(const char* function, const F* scales, const int64_t* zero_points, uint64_t channels,
                            const QTypeInfo& type);

// channels * inner, or kOverflow.
Status element_count(const char* function, uint64_t channels, uint64_t inner, uint64_t* n);

}  // namespace nibble::quant
