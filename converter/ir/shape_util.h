// Shape and permutation arithmetic shared by the passes.
#pragma once

#include <optional>
#include <vector>

#include "converter/ir/tensor_data.h"

namespace nibble::convert {

// Memory axis i of an NHWC tensor holds logical (NCHW) axis kNchwToNhwc[i].
extern const std::vector<int> kNchwToNhwc;  // {0, 2, 3, 1}
extern const std::vector<int> kNhwcToNchw;  // {0, 3, 1, 2}

// out[i] = in[perm[i]].
Shape permute_shape(const Shape& shape, const std::vector<int>& perm);
template <typename T>
std::vector<T> permute_vector(const std::vector<T>& v, const std::vector<int>& perm) {
  std::vector<T> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = v[perm[i]];
  return out;
}
std::vector<int> invert_perm(const std::vector<int>& perm);
// transpose(transpose(x, first), second) == transpose(x, result).
std::vector<int> compose_perms(const std::vector<int>& first, const std::vector<int>& second);
bool is_identity_perm(const std::vector<int>& perm);
bool is_valid_perm(const std::vector<int64_t>& perm, size_t rank);
// True if transposing a tensor of this shape by perm leaves its bytes in
// the same order (only size-1 axes move), i.e. it is a reshape.
bool transpose_is_reshape(const Shape& shape, const std::vector<int>& perm);

// Numpy broadcast of two shapes; nullopt if incompatible.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// Axis in [-rank, rank) -> [0, rank); nullopt if out of range.
std::optional<int> normalize_axis(int64_t axis, int64_t rank);

}  // namespace nibble::convert
