#include "converter/onnx/tensor_proto.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "converter/convert.h"
#include "converter/util/file_util.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t man = h & 0x3ff;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(man), -24);
  } else if (exp == 31) {
    v = man ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(man | 0x400), static_cast<int>(exp) - 25);
  }
  return sign ? -v : v;
}

float round_to_half(float f) {
  if (!std::isfinite(f)) return f;
  const float a = std::fabs(f);
  if (a >= 65520.0f) return std::copysign(std::numeric_limits<float>::infinity(), f);
  int e = 0;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  // float16 has 11 significant bits for normals (e >= -13); subnormals
  // have a fixed quantum of 2^-24.
  const int quantum_exp = std::max(e - 11, -24);
  const float q = std::ldexp(1.0f, quantum_exp);
  return std::copysign(std::nearbyint(a / q) * q, f);  // ties to even
}

namespace {

float bf16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

template <typename T>
std::vector<T> raw_elements(const std::string& raw, int64_t n, const std::string& what) {
  // Division, not n * sizeof(T): n may be up to INT64_MAX.
  if (raw.size() % sizeof(T) != 0 || raw.size() / sizeof(T) != static_cast<uint64_t>(n)) {
    throw Error(what + ": raw_data holds " + std::to_string(raw.size()) + " bytes, dims x element size need " +
                std::to_string(static_cast<unsigned long long>(n)) + " x " + std::to_string(sizeof(T)));
  }
  std::vector<T> out(n);
  if (n) std::memcpy(out.data(), raw.data(), raw.size());  // little-endian host
  return out;
}

template <typename Field>
void check_count(const Field& field, int64_t n, const std::string& what) {
  if (static_cast<int64_t>(field.size()) != n) {
    throw Error(what + ": holds " + std::to_string(field.size()) + " elements, expected " + std::to_string(n));
  }
}

}  // namespace

void check_tensor_proto_type(const onnx::TensorProto& proto, const std::string& what) {
  using TP = onnx::TensorProto;
  switch (proto.data_type()) {
    case TP::FLOAT: case TP::DOUBLE: case TP::FLOAT16: case TP::BFLOAT16: case TP::INT64: case TP::INT32:
    case TP::INT16: case TP::INT8: case TP::UINT16: case TP::UINT8: case TP::BOOL: case TP::UINT32: case TP::UINT64:
      return;
    default: {
      // data_type is an int32 in the proto: an unknown value has no name.
      const std::string name = TP::DataType_IsValid(proto.data_type())
                                   ? TP::DataType_Name(static_cast<TP::DataType>(proto.data_type()))
                                   : std::to_string(proto.data_type());
      throw Error(what + ": element type " + name + " is not supported");
    }
  }
}

int64_t checked_numel(const Shape& shape, const std::string& what) {
  int64_t n = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] < 0) throw Error(what + ": negative dimension " + std::to_string(shape[k]) + " (dim " + std::to_string(k) + ")");
  }
  // Every dim is multiplied, zero or not, so no later product over a subset
  // of the dims (in any order) can overflow either.
  int64_t nonzero = 1;
  for (int64_t d : shape) {
    if (d != 0 && __builtin_mul_overflow(nonzero, d, &nonzero)) {
      throw Error(what + ": dims " + shape_string(shape) + " overflow a 64-bit element count");
    }
    n *= d;  // cannot overflow: |n| <= nonzero
  }
  return n;
}

TensorData tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  using TP = onnx::TensorProto;
  if (proto.data_location() == TP::EXTERNAL) {
    throw Error(what + ": external tensor data is not supported");
  }
  if (proto.has_segment()) throw Error(what + ": segmented tensors are not supported");
  TensorData t;
  t.shape.assign(proto.dims().begin(), proto.dims().end());
  const int64_t n = checked_numel(t.shape, what);
  const bool raw = proto.has_raw_data();
  const std::string& bytes = proto.raw_data();
  switch (proto.data_type()) {
    case TP::FLOAT:
      t.dtype = DType::kFloat32;
      if (raw) {
        t.f = raw_elements<float>(bytes, n, what);
      } else {
        check_count(proto.float_data(), n, what);
        t.f.assign(proto.float_data().begin(), proto.float_data().end());
      }
      break;
    case TP::DOUBLE: {
      t.dtype = DType::kFloat32;
      std::vector<double> d;
      if (raw) {
        d = raw_elements<double>(bytes, n, what);
      } else {
        check_count(proto.double_data(), n, what);
        d.assign(proto.double_data().begin(), proto.double_data().end());
      }
      for (double v : d) t.f.push_back(narrow_to_float(v));
      break;
    }
    case TP::FLOAT16:
    case TP::BFLOAT16: {
      t.dtype = DType::kFloat32;
      std::vector<uint16_t> h;
      if (raw) {
        h = raw_elements<uint16_t>(bytes, n, what);
      } else {
        check_count(proto.int32_data(), n, what);
        for (int32_t v : proto.int32_data()) h.push_back(static_cast<uint16_t>(v));
      }
      for (uint16_t v : h) t.f.push_back(proto.data_type() == TP::FLOAT16 ? half_to_float(v) : bf16_to_float(v));
      break;
    }
    case TP::INT64:
      t.dtype = DType::kInt64;
      if (raw) {
        t.i = raw_elements<int64_t>(bytes, n, what);
      } else {
        check_count(proto.int64_data(), n, what);
        t.i.assign(proto.int64_data().begin(), proto.int64_data().end());
      }
      break;
    case TP::INT32:
    case TP::INT16:
    case TP::INT8:
    case TP::UINT16:
    case TP::UINT8:
    case TP::BOOL: {
      t.dtype = proto.data_type() == TP::BOOL ? DType::kBool : DType::kInt64;
      if (raw) {
        switch (proto.data_type()) {
          case TP::INT32: for (auto v : raw_elements<int32_t>(bytes, n, what)) t.i.push_back(v); break;
          case TP::INT16: for (auto v : raw_elements<int16_t>(bytes, n, what)) t.i.push_back(v); break;
          case TP::INT8: for (auto v : raw_elements<int8_t>(bytes, n, what)) t.i.push_back(v); break;
          case TP::UINT16: for (auto v : raw_elements<uint16_t>(bytes, n, what)) t.i.push_back(v); break;
          default: for (auto v : raw_elements<uint8_t>(bytes, n, what)) t.i.push_back(v); break;
        }
      } else {
        check_count(proto.int32_data(), n, what);
        t.i.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      if (t.dtype == DType::kBool) {
        for (auto& v : t.i) v = v != 0;
      }
      break;
    }
    case TP::UINT32:
    case TP::UINT64:
      t.dtype = DType::kInt64;
      if (raw) {
        if (proto.data_type() == TP::UINT32) {
          for (auto v : raw_elements<uint32_t>(bytes, n, what)) t.i.push_back(v);
        } else {
          for (auto v : raw_elements<uint64_t>(bytes, n, what)) t.i.push_back(static_cast<int64_t>(v));
        }
      } else {
        check_count(proto.uint64_data(), n, what);
        for (auto v : proto.uint64_data()) t.i.push_back(static_cast<int64_t>(v));
      }
      break;
    default:
      check_tensor_proto_type(proto, what);  // throws: not a type read above
  }
  return t;
}

TensorData read_tensor_file(const std::string& path) {
  const std::string bytes = read_file(path);
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) throw Error(path + ": not a TensorProto (protobuf parse failed)");
  return tensor_from_proto(proto, path);
}

}  // namespace nibble::convert
