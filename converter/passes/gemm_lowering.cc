// Gemm and MatMul with a constant B -> LINEAR (y = x W^T + b, W [N, K]).
#include "converter/passes/lowering.h"
#include "converter/passes/op_specs.h"

namespace nibble::convert {

void lower_gemm(Lowering& l, const Node& node) {
  Graph& g = l.g;
  int a = l.activation(node, 0, "A");
  const TensorData& b = require_constant(g, node, 1, "B");
  if (!b.is_float()) fail(node, "B must be float");
  const GemmSpec s = gemm_spec(node, g.values[a].shape, b.shape);
  const int y = node.outputs[0];

  // W[N, K] = alpha * (transB ? B : B^T).
  TensorData w = s.trans_b ? b : transpose_data(b, {1, 0});
  if (s.alpha != 1.0f) {
    for (float& v : w.f) v *= s.alpha;
  }
  if (s.trans_a) {
    const int at = l.temp(node, "/transpose_a", {s.m, s.k});
    l.emit(node, fb::OpCode::TRANSPOSE, {a}, {at}, "/transpose_a").nb.perm = {1, 0};
    a = at;
  }
  std::vector<int> inputs = {a, l.replace_constant(node.input(1), "_w", std::move(w))};

  // C: a per-column vector or scalar becomes LINEAR's bias; anything else
  // (a matrix, a column, an activation) is added by a separate BINARY.
  int matrix_c = -1;
  const int c = node.input(2);
  if (c >= 0 && s.beta != 0.0f) {
    const TensorData* ct = g.constant(c);
    if (!ct) {
      if (s.beta != 1.0f) fail(node, "a non-constant C with beta != 1 is not supported");
      matrix_c = c;
    } else {
      if (!ct->is_float()) fail(node, "C must be float");
      TensorData scaled = *ct;
      for (float& v : scaled.f) v *= s.beta;
      const Shape& cs = ct->shape;
      const bool per_column = (cs.size() == 1 && cs[0] == s.n) || (cs.size() == 2 && cs[0] == 1 && cs[1] == s.n);
      if (ct->numel() == 1 || per_column) {
        TensorData bias = TensorData::zeros(DType::kFloat32, {s.n});
        for (int64_t j = 0; j < s.n; ++j) bias.f[j] = ct->numel() == 1 ? scaled.f[0] : scaled.f[j];
        inputs.push_back(l.replace_constant(c, "_bias", std::move(bias)));
      } else {
        matrix_c = l.replace_constant(c, "_beta", std::move(scaled));
      }
    }
  }
  if (matrix_c < 0) {
    l.emit(node, fb::OpCode::LINEAR, inputs, {y});
    return;
  }
  const int mid = l.temp(node, "/linear", {s.m, s.n});
  l.emit(node, fb::OpCode::LINEAR, inputs, {mid});
  l.emit(node, fb::OpCode::BINARY, {mid, matrix_c}, {y}, "/add_c").nb.binary = fb::BinaryKind::ADD;
}

void lower_matmul(Lowering& l, const Node& node) {
  Graph& g = l.g;
  const int a = l.activation(node, 0, "A");
  const TensorData& b = require_constant(g, node, 1, "B");
  if (!b.is_float() || b.shape.size() != 2) fail(node, "B must be a float 2-D constant");
  const Shape as = g.values[a].shape;
  const int64_t k = b.shape[0], n = b.shape[1];
  const int y = node.outputs[0];
  const int w = l.replace_constant(node.input(1), "_w", transpose_data(b, {1, 0}));
  if (as.size() == 2) {
    l.emit(node, fb::OpCode::LINEAR, {a, w}, {y});
    return;
  }
  // Other ranks: [..., K] -> [M, K] -> LINEAR -> [M, N] -> [..., N].
  const int64_t m = shape_numel(as) / std::max<int64_t>(k, 1);
  const int a2 = l.temp(node, "/a2d", {m, k});
  const int y2 = l.temp(node, "/y2d", {m, n});
  l.emit(node, fb::OpCode::RESHAPE, {a}, {a2}, "/reshape_a");
  l.emit(node, fb::OpCode::LINEAR, {a2, w}, {y2});
  l.emit(node, fb::OpCode::RESHAPE, {y2}, {y}, "/reshape_y");
}

}  // namespace nibble::convert
