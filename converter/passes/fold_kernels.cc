#include "converter/passes/fold_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "converter/ir/shape_util.h"
#include "converter/onnx/attributes.h"
#include "converter/onnx/tensor_proto.h"
#include "converter/passes/op_specs.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

namespace {

const std::set<std::string> kFoldOnly = {"Constant", "ConstantOfShape", "Shape", "Size", "Gather", "Cast",
                                         "Range", "Equal", "Where", "Expand", "Neg", "Sqrt"};

using Outputs = std::vector<TensorData>;

TensorData reshaped(const TensorData& t, const Shape& shape) {
  TensorData out = t;
  out.shape = shape;
  return out;
}

TensorData constant_attr(const Node& node) {
  if (const Attribute* a = node.attr("value")) {
    if (a->kind != Attribute::Kind::kTensor) fail(node, "attribute 'value' is not a tensor");
    return *a->tensor;
  }
  if (const Attribute* a = node.attr("value_float")) return TensorData::scalar_float(a->f);
  if (const Attribute* a = node.attr("value_floats")) {
    return TensorData::from_floats({static_cast<int64_t>(a->floats.size())}, a->floats);
  }
  if (const Attribute* a = node.attr("value_int")) return TensorData::from_ints({}, {a->i});
  if (const Attribute* a = node.attr("value_ints")) {
    return TensorData::from_ints({static_cast<int64_t>(a->ints.size())}, a->ints);
  }
  fail(node, "only 'value', 'value_float(s)' and 'value_int(s)' constants are supported");
}

TensorData cast_to(const Node& node, const TensorData& in) {
  using TP = onnx::TensorProto;
  const int64_t to = attr_int(node, "to", 0);
  TensorData out;
  switch (to) {
    case TP::FLOAT:
    case TP::DOUBLE:
      return in.cast(DType::kFloat32);
    case TP::FLOAT16:
    case TP::BFLOAT16:
      out = in.cast(DType::kFloat32);
      for (float& v : out.f) {
        if (to == TP::FLOAT16) {
          v = round_to_half(v);
        } else {
          uint32_t bits;
          std::memcpy(&bits, &v, 4);
          if ((bits & 0x7f800000u) != 0x7f800000u) bits += 0x7fffu + ((bits >> 16) & 1);  // round to nearest even
          bits &= 0xffff0000u;
          std::memcpy(&v, &bits, 4);
        }
      }
      return out;
    case TP::BOOL:
      return in.cast(DType::kBool);
    case TP::INT64:
    case TP::UINT64:
      return in.cast(DType::kInt64);
    case TP::INT32:
    case TP::UINT32:
    case TP::INT16:
    case TP::UINT16:
    case TP::INT8:
    case TP::UINT8:
      out = in.cast(DType::kInt64);
      for (int64_t& v : out.i) {
        switch (to) {
          case TP::INT32: v = static_cast<int32_t>(v); break;
          case TP::UINT32: v = static_cast<uint32_t>(v); break;
          case TP::INT16: v = static_cast<int16_t>(v); break;
          case TP::UINT16: v = static_cast<uint16_t>(v); break;
          case TP::INT8: v = static_cast<int8_t>(v); break;
          default: v = static_cast<uint8_t>(v); break;
        }
      }
      return out;
    default:
      fail(node, "cast to element type " + std::to_string(to) + " is not supported");
  }
}

// Elementwise op over the numpy broadcast of inputs.
template <typename Fn>
TensorData broadcast_map(const Node& node, const std::vector<const TensorData*>& in, DType out_type, Fn fn) {
  Shape shape = in[0]->shape;
  for (size_t k = 1; k < in.size(); ++k) {
    auto s = broadcast_shapes(shape, in[k]->shape);
    if (!s) fail(node, "shapes " + shape_string(shape) + " and " + shape_string(in[k]->shape) + " do not broadcast");
    shape = *s;
  }
  std::vector<TensorData> b;
  for (const TensorData* t : in) b.push_back(broadcast_data(*t, shape));
  TensorData out = TensorData::zeros(out_type, shape);
  const int64_t n = out.numel();
  std::vector<double> args(in.size());
  for (int64_t k = 0; k < n; ++k) {
    for (size_t j = 0; j < b.size(); ++j) args[j] = b[j].get(k);
    out.set(k, fn(args));
  }
  return out;
}

TensorData arithmetic(const Node& node, const TensorData& a, const TensorData& b) {
  if (a.dtype != b.dtype) fail(node, "inputs of different element types");
  const std::string& op = node.op_type;
  const bool is_int = !a.is_float();
  if (is_int && a.dtype == DType::kBool) fail(node, "arithmetic on bool tensors is not supported");
  return broadcast_map(node, {&a, &b}, a.dtype, [&](const std::vector<double>& x) -> double {
    if (is_int) {
      const int64_t p = saturate_to_int64(x[0]), q = saturate_to_int64(x[1]);
      int64_t r = 0;
      bool overflow = false;
      if (op == "Add") {
        overflow = __builtin_add_overflow(p, q, &r);
      } else if (op == "Sub") {
        overflow = __builtin_sub_overflow(p, q, &r);
      } else if (op == "Mul") {
        overflow = __builtin_mul_overflow(p, q, &r);
      } else {
        if (q == 0) fail(node, "integer division by zero");
        // INT64_MIN / -1 traps (SIGFPE) on x86.
        overflow = p == std::numeric_limits<int64_t>::min() && q == -1;
        if (!overflow) r = p / q;
      }
      if (overflow) fail(node, "int64 overflow folding " + std::to_string(p) + " " + op + " " + std::to_string(q));
      return static_cast<double>(r);
    }
    const float p = static_cast<float>(x[0]), q = static_cast<float>(x[1]);
    if (op == "Add") return p + q;
    if (op == "Sub") return p - q;
    if (op == "Mul") return p * q;
    return p / q;
  });
}

TensorData gather(const Node& node, const TensorData& data, const TensorData& indices) {
  if (indices.is_float()) fail(node, "indices must be integers");
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  const auto axis = normalize_axis(attr_int(node, "axis", 0), rank);
  if (!axis) fail(node, "axis is out of range");
  const int64_t dim = data.shape[*axis];
  Shape out_shape(data.shape.begin(), data.shape.begin() + *axis);
  out_shape.insert(out_shape.end(), indices.shape.begin(), indices.shape.end());
  out_shape.insert(out_shape.end(), data.shape.begin() + *axis + 1, data.shape.end());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < *axis) outer *= data.shape[d];
    if (d > *axis) inner *= data.shape[d];
  }
  std::vector<int64_t> src;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t idx : indices.i) {
      if (idx < -dim || idx >= dim) fail(node, "index " + std::to_string(idx) + " is out of range");
      if (idx < 0) idx += dim;
      for (int64_t in = 0; in < inner; ++in) src.push_back((o * dim + idx) * inner + in);
    }
  }
  return data.gather(out_shape, src);
}

TensorData pad(const Graph& g, const Node& node, const TensorData& in) {
  const PadSpec p = pad_spec(g, node, in.shape);
  const size_t rank = in.shape.size();
  const std::vector<int64_t> strides = shape_strides(in.shape);
  TensorData out = TensorData::zeros(in.dtype, p.out_shape);
  const int64_t n = out.numel();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      int64_t i = idx[d] - p.before[d];
      const int64_t dim = in.shape[d];
      if (i < 0 || i >= dim) {
        if (p.mode == fb::PadMode::CONSTANT) {
          inside = false;
        } else if (p.mode == fb::PadMode::EDGE) {
          i = i < 0 ? 0 : dim - 1;
        } else {
          i = i < 0 ? -i : 2 * (dim - 1) - i;
        }
      }
      src += i * strides[d];
    }
    out.set(k, inside ? in.get(src) : p.value);
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++idx[d] < p.out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

TensorData slice(const Graph& g, const Node& node, const TensorData& in) {
  const SliceSpec s = slice_spec(g, node, in.shape);
  const size_t rank = in.shape.size();
  const std::vector<int64_t> strides = shape_strides(in.shape);
  const int64_t n = shape_numel(s.out_shape);
  std::vector<int64_t> src(n), idx(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < rank; ++d) off += (s.starts[d] + idx[d] * s.steps[d]) * strides[d];
    src[k] = off;
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++idx[d] < s.out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return in.gather(s.out_shape, src);
}

TensorData concat(const Node& node, const std::vector<const TensorData*>& in) {
  const size_t rank = in[0]->shape.size();
  const int axis = concat_axis(node, rank);
  Shape out_shape = in[0]->shape;
  out_shape[axis] = 0;
  for (const TensorData* t : in) {
    if (t->dtype != in[0]->dtype || t->shape.size() != rank) fail(node, "inputs differ in type or rank");
    for (size_t d = 0; d < rank; ++d) {
      if (static_cast<int>(d) != axis && t->shape[d] != in[0]->shape[d]) fail(node, "inputs differ in shape");
    }
    out_shape[axis] += t->shape[axis];
  }
  TensorData out = TensorData::zeros(in[0]->dtype, out_shape);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= out_shape[d];
  int64_t k = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const TensorData* t : in) {
      const int64_t chunk = t->numel() / std::max<int64_t>(outer, 1);
      for (int64_t j = 0; j < chunk; ++j) out.set(k++, t->get(o * chunk + j));
    }
  }
  return out;
}

TensorData range(const Node& node, const TensorData& start, const TensorData& limit, const TensorData& delta) {
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1) fail(node, "inputs must be scalars");
  const double s = start.get(0), l = limit.get(0), d = delta.get(0);
  if (d == 0) fail(node, "delta must not be 0");
  // The count is bounded as a double: converting a huge or NaN one to
  // int64 would be undefined.
  const double count = std::ceil((l - s) / d);
  if (!(count <= static_cast<double>(int64_t{1} << 26))) fail(node, "the range is too large to fold (or not finite)");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  TensorData out = TensorData::zeros(start.dtype, {n});
  for (int64_t k = 0; k < n; ++k) out.set(k, s + static_cast<double>(k) * d);
  return out;
}

TensorData matmul2d(const Node& node, const TensorData& a, const TensorData& b) {
  if (a.shape.size() != 2 || b.shape.size() != 2 || a.shape[1] != b.shape[0] || !a.is_float() || !b.is_float()) {
    fail(node, "folding a MatMul that is not float 2-D x 2-D is not supported");
  }
  const int64_t m = a.shape[0], k = a.shape[1], n = b.shape[1];
  TensorData out = TensorData::zeros(DType::kFloat32, {m, n});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += static_cast<double>(a.f[i * k + p]) * b.f[p * n + j];
      out.f[i * n + j] = static_cast<float>(acc);
    }
  }
  return out;
}

TensorData unary_float(const Node& node, const TensorData& in, double (*fn)(double)) {
  TensorData out = in;
  for (int64_t k = 0; k < in.numel(); ++k) out.set(k, fn(in.get(k)));
  (void)node;
  return out;
}

}  // namespace

bool is_fold_only_op(const std::string& op_type) { return kFoldOnly.count(op_type) != 0; }

std::optional<Outputs> try_fold(const Graph& g, const Node& node) {
  const std::string& op = node.op_type;
  if (op == "Constant") return Outputs{constant_attr(node)};
  if (op == "Shape" || op == "Size") {
    const Value& in = g.values[node.input(0)];
    if (op == "Size") return Outputs{TensorData::from_ints({}, {shape_numel(in.shape)})};
    const int64_t rank = static_cast<int64_t>(in.shape.size());
    int64_t start = attr_int(node, "start", 0), end = attr_int(node, "end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    Shape dims(in.shape.begin() + start, in.shape.begin() + std::max(start, end));
    return Outputs{TensorData::from_ints({static_cast<int64_t>(dims.size())}, dims)};
  }
  // Every other op needs all of its present inputs constant.
  std::vector<const TensorData*> in;
  for (int v : node.inputs) {
    if (v < 0) {
      in.push_back(nullptr);
      continue;
    }
    const TensorData* t = g.constant(v);
    if (!t) return std::nullopt;
    in.push_back(t);
  }
  auto arg = [&](size_t k) -> const TensorData& {
    if (k >= in.size() || !in[k]) fail(node, "input " + std::to_string(k) + " is missing");
    return *in[k];
  };
  if (op == "Identity") return Outputs{arg(0)};
  if (op == "Dropout") {
    check_dropout_inference(g, node);
    return Outputs{arg(0)};
  }
  if (op == "ConstantOfShape") {
    const std::vector<int64_t> dims = constant_ints(g, node, 0, "shape");
    for (int64_t d : dims) {
      if (d < 0) fail(node, "negative dimension");
    }
    TensorData value = TensorData::scalar_float(0.0f);
    if (const Attribute* a = node.attr("value")) value = *a->tensor;
    if (value.numel() != 1) fail(node, "'value' must have one element");
    TensorData out = TensorData::zeros(value.dtype, dims);
    for (int64_t k = 0; k < out.numel(); ++k) out.set(k, value.get(0));
    return Outputs{out};
  }
  if (op == "Cast") return Outputs{cast_to(node, arg(0))};
  if (op == "Gather") return Outputs{gather(node, arg(0), arg(1))};
  if (op == "Reshape") {
    const bool allowzero = node.opset >= 14 && attr_int(node, "allowzero", 0) != 0;
    if (node.opset < 5) fail(node, "Reshape with a 'shape' attribute (opset < 5) is not supported");
    return Outputs{reshaped(arg(0), reshape_target(node, arg(0).shape, arg(1), allowzero))};
  }
  if (op == "Flatten") return Outputs{reshaped(arg(0), flatten_shape(node, arg(0).shape))};
  if (op == "Squeeze") return Outputs{reshaped(arg(0), squeeze_shape(g, node, arg(0).shape))};
  if (op == "Unsqueeze") return Outputs{reshaped(arg(0), unsqueeze_shape(g, node, arg(0).shape))};
  if (op == "Transpose") return Outputs{transpose_data(arg(0), transpose_perm(node, arg(0).shape.size()))};
  if (op == "Concat") return Outputs{concat(node, in)};
  if (op == "Slice") return Outputs{slice(g, node, arg(0))};
  if (op == "Pad") return Outputs{pad(g, node, arg(0))};
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return Outputs{arithmetic(node, arg(0), arg(1))};
  if (op == "Range") return Outputs{range(node, arg(0), arg(1), arg(2))};
  if (op == "MatMul") return Outputs{matmul2d(node, arg(0), arg(1))};
  if (op == "Equal") {
    return Outputs{broadcast_map(node, {&arg(0), &arg(1)}, DType::kBool,
                                 [](const std::vector<double>& x) -> double { return x[0] == x[1]; })};
  }
  if (op == "Where") {
    if (arg(1).dtype != arg(2).dtype) fail(node, "X and Y differ in element type");
    return Outputs{broadcast_map(node, {&arg(0), &arg(1), &arg(2)}, arg(1).dtype,
                                 [](const std::vector<double>& x) { return x[0] != 0 ? x[1] : x[2]; })};
  }
  if (op == "Expand") {
    const std::vector<int64_t> dims = constant_ints(g, node, 1, "shape");
    auto shape = broadcast_shapes(arg(0).shape, dims);
    if (!shape) fail(node, "shape does not broadcast");
    return Outputs{broadcast_data(arg(0), *shape)};
  }
  if (op == "Relu" || op == "Clip") {
    if (!arg(0).is_float()) fail(node, "folding on integers is not supported");
    const ClipRange r = op == "Relu" ? ClipRange{0.0f, std::numeric_limits<float>::infinity()} : clip_range(g, node);
    TensorData out = arg(0);
    for (float& v : out.f) v = std::min(std::max(v, r.min), r.max);
    return Outputs{out};
  }
  if (op == "Neg") return Outputs{unary_float(node, arg(0), [](double x) { return -x; })};
  if (op == "Sqrt") {
    if (!arg(0).is_float()) fail(node, "Sqrt of integers is not supported");
    return Outputs{unary_float(node, arg(0), [](double x) { return static_cast<double>(std::sqrt(static_cast<float>(x))); })};
  }
  return std::nullopt;
}

}  // namespace nibble::convert
