#include "quant/qtype.h"

namespace nibble::quant {
namespace {

constexpr int64_t kI64Min = -INT64_MAX - 1;

// Indexed by QType.
constexpr QTypeInfo kTypes[] = {
    {QType::kU2, "u2", 2, false, 0, 3, 3},
    {QType::kI2, "i2", 2, true, -2, 1, 1},
    {QType::kU4, "u4", 4, false, 0, 15, 15},
    {QType::kI4, "i4", 4, true, -8, 7, 7},
    {QType::kU8, "u8", 8, false, 0, 255, 255},
    {QType::kI8, "i8", 8, true, -128, 127, 127},
    {QType::kU16, "u16", 16, false, 0, 65535, 65535},
    {QType::kI16, "i16", 16, true, -32768, 32767, 32767},
    {QType::kU32, "u32", 32, false, 0, UINT32_MAX, UINT32_MAX},
    {QType::kI32, "i32", 32, true, INT32_MIN, INT32_MAX, INT32_MAX},
    {QType::kU64, "u64", 64, false, 0, UINT64_MAX, INT64_MAX},
    {QType::kI64, "i64", 64, true, kI64Min, INT64_MAX, INT64_MAX},
};

}  // namespace

const QTypeInfo* qtype_info(int value) {
  if (value < 0 || value >= static_cast<int>(sizeof(kTypes) / sizeof(kTypes[0]))) return nullptr;
  return &kTypes[value];
}

}  // namespace nibble::quant
