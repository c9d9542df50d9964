#include "converter/ir/shape_util.h"

#include <algorithm>

namespace nibble::convert {

const std::vector<int> kNchwToNhwc = {0, 2, 3, 1};
const std::vector<int> kNhwcToNchw = {0, 3, 1, 2};

Shape permute_shape(const Shape& shape, const std::vector<int>& perm) { return permute_vector(shape, perm); }

std::vector<int> invert_perm(const std::vector<int>& perm) {
  std::vector<int> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
  return inv;
}

std::vector<int> compose_perms(const std::vector<int>& first, const std::vector<int>& second) {
  // y = x transposed by first: y[i] = x[first[i]]; z[i] = y[second[i]].
  std::vector<int> out(second.size());
  for (size_t i = 0; i < second.size(); ++i) out[i] = first[second[i]];
  return out;
}

bool is_identity_perm(const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int>(i)) return false;
  }
  return true;
}

bool is_valid_perm(const std::vector<int64_t>& perm, size_t rank) {
  if (perm.size() != rank) return false;
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}

bool transpose_is_reshape(const Shape& shape, const std::vector<int>& perm) {
  // The non-trivial axes must keep their relative order.
  int last = -1;
  for (int p : perm) {
    if (shape[p] == 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t k = 0; k < rank; ++k) {
    const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[k] = da == 1 ? db : da;
  }
  return out;
}

std::optional<int> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace nibble::convert
