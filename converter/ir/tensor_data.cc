#include "converter/ir/tensor_data.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "converter/convert.h"

namespace nibble::convert {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
    case DType::kInt32: return "int32";
  }
  return "?";
}

int64_t shape_numel(const Shape& shape) {
  // Every dim is multiplied, zero or not, so a shape whose count is 0 but
  // whose other dims are huge cannot overflow a product over a subset.
  int64_t n = 1, nonzero = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("shape " + shape_string(shape) + " has a negative dimension");
    if (d != 0 && __builtin_mul_overflow(nonzero, d, &nonzero)) {
      throw Error("shape " + shape_string(shape) + " overflows a 64-bit element count");
    }
    n *= d;  // |n| <= nonzero
  }
  if (n > kMaxTensorElements) {
    throw Error("shape " + shape_string(shape) + " has " + std::to_string(n) + " elements, more than the converter's " +
                "limit of 2^31");
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t k = 0; k < shape.size(); ++k) os << (k ? "," : "") << shape[k];
  os << ']';
  return os.str();
}

std::vector<int64_t> shape_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; --k) strides[k] = strides[k + 1] * shape[k + 1];
  return strides;
}

void TensorData::set(int64_t k, double v) {
  if (is_float()) {
    f[k] = narrow_to_float(v);
  } else if (dtype == DType::kBool) {
    i[k] = v != 0;
  } else {
    i[k] = saturate_to_int64(v);
  }
}

float narrow_to_float(double v) {
  // A double beyond float's range is undefined to convert; IEEE would give
  // the infinity of its sign, which is what a float32 model sees.
  constexpr double kMax = std::numeric_limits<float>::max();
  if (v > kMax) return std::numeric_limits<float>::infinity();
  if (v < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(v);
}

int64_t saturate_to_int64(double v) {
  // 2^63 is exact in a double; INT64_MAX is not (it rounds up to 2^63), so
  // the bounds are compared as doubles and the cast done only inside.
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(v)) return 0;
  if (v >= kTwo63) return std::numeric_limits<int64_t>::max();
  if (v < -kTwo63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

TensorData TensorData::zeros(DType dtype, const Shape& shape) {
  TensorData t;
  t.dtype = dtype;
  t.shape = shape;
  if (dtype == DType::kFloat32) {
    t.f.assign(shape_numel(shape), 0.0f);
  } else {
    t.i.assign(shape_numel(shape), 0);
  }
  return t;
}

TensorData TensorData::scalar_float(float v) { return from_floats({}, {v}); }

TensorData TensorData::from_floats(const Shape& shape, std::vector<float> values) {
  TensorData t;
  t.dtype = DType::kFloat32;
  t.shape = shape;
  t.f = std::move(values);
  return t;
}

TensorData TensorData::from_ints(const Shape& shape, std::vector<int64_t> values) {
  TensorData t;
  t.dtype = DType::kInt64;
  t.shape = shape;
  t.i = std::move(values);
  return t;
}

TensorData TensorData::cast(DType to) const {
  TensorData out = zeros(to, shape);
  const int64_t n = numel();
  for (int64_t k = 0; k < n; ++k) out.set(k, get(k));
  return out;
}

TensorData TensorData::gather(const Shape& out_shape, const std::vector<int64_t>& source_index) const {
  TensorData out = zeros(dtype, out_shape);
  for (size_t k = 0; k < source_index.size(); ++k) {
    if (is_float()) {
      out.f[k] = f[source_index[k]];
    } else {
      out.i[k] = i[source_index[k]];
    }
  }
  return out;
}

namespace {

// Calls fn(linear output index, multi-index) for every element of shape.
template <typename Fn>
void for_each_index(const Shape& shape, Fn fn) {
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(k, idx);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

TensorData transpose_data(const TensorData& in, const std::vector<int>& perm) {
  Shape out_shape(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) out_shape[k] = in.shape[perm[k]];
  const std::vector<int64_t> in_strides = shape_strides(in.shape);
  std::vector<int64_t> src(shape_numel(out_shape));
  for_each_index(out_shape, [&](int64_t k, const std::vector<int64_t>& idx) {
    int64_t s = 0;
    for (size_t d = 0; d < perm.size(); ++d) s += idx[d] * in_strides[perm[d]];
    src[k] = s;
  });
  return in.gather(out_shape, src);
}

TensorData broadcast_data(const TensorData& in, const Shape& out_shape) {
  const size_t offset = out_shape.size() - in.shape.size();
  const std::vector<int64_t> in_strides = shape_strides(in.shape);
  std::vector<int64_t> src(shape_numel(out_shape));
  for_each_index(out_shape, [&](int64_t k, const std::vector<int64_t>& idx) {
    int64_t s = 0;
    for (size_t d = 0; d < in.shape.size(); ++d) {
      if (in.shape[d] != 1) s += idx[d + offset] * in_strides[d];
    }
    src[k] = s;
  });
  return in.gather(out_shape, src);
}

}  // namespace nibble::convert
