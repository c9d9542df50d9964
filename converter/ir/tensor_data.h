// A constant tensor's elements during conversion, in row-major order of its
// (logical, ONNX) shape. Integers of every width are held as int64, floats
// of every width as float32 (the runtime computes in float32).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::convert {

using Shape = std::vector<int64_t>;

// kInt32: only graph inputs (token ids); constants are never int32.
enum class DType { kFloat32, kInt64, kBool, kInt32 };

const char* dtype_name(DType t);
// The most elements a tensor may have in the converter: 8 GiB of f32, far
// beyond an edge model, so a folded constant of a hostile shape cannot
// allocate without bound and every byte count and sum of them fits int64.
constexpr int64_t kMaxTensorElements = int64_t{1} << 31;

// double -> int64 without undefined behaviour: NaN -> 0, out-of-range
// values to the nearest bound (a hostile Cast, Range or integer constant
// must not reach a plain static_cast).
int64_t saturate_to_int64(double v);
// double -> float with out-of-range values as +-infinity (NaN stays NaN).
float narrow_to_float(double v);

// The element count; throws Error for a negative dim, a 64-bit overflow
// or more than kMaxTensorElements.
int64_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);

struct TensorData {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<float> f;    // kFloat32
  std::vector<int64_t> i;  // kInt64 and kBool (0 or 1)

  int64_t numel() const { return shape_numel(shape); }
  bool is_float() const { return dtype == DType::kFloat32; }
  double get(int64_t k) const { return is_float() ? f[k] : static_cast<double>(i[k]); }
  void set(int64_t k, double v);

  static TensorData zeros(DType dtype, const Shape& shape);
  static TensorData scalar_float(float v);
  static TensorData from_floats(const Shape& shape, std::vector<float> values);
  static TensorData from_ints(const Shape& shape, std::vector<int64_t> values);
  // Same elements converted to another type (float -> int truncates).
  TensorData cast(DType to) const;
  // Element k of the source for each element of the result, gathered.
  TensorData gather(const Shape& out_shape, const std::vector<int64_t>& source_index) const;
};

// Row-major strides of a shape.
std::vector<int64_t> shape_strides(const Shape& shape);

// out = transpose(in, perm): out.shape[i] = in.shape[perm[i]].
TensorData transpose_data(const TensorData& in, const std::vector<int>& perm);

// Numpy broadcast of in to out_shape (in's rank <= out's, trailing-aligned).
TensorData broadcast_data(const TensorData& in, const Shape& out_shape);

}  // namespace nibble::convert
