// Thread-count independence: any split of N (at the step or not) and any
// number of rows per call give bit-identical outputs on every level.
#include <gtest/gtest.h>

#include <vector>

#include "gemm/gemm.h"
#include "gemm_test_support.h"

namespace nibble::gemm {
namespace {

using gemv::testing_support::available_levels;
using gemv::testing_support::encode_case;
using gemv::testing_support::Encoded;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;
using gemv::testing_support::random_vector;

TEST(GemmSplit, AnyNRangeAndRowSubsetGivesTheSameBits) {
  const int64_t m = 19, n = 100, k = 520;
  for (const FormatCase& f : testing_support::all_formats()) {
    const Encoded enc = encode_case(f, n, k, 21);
    const codec::PackedWeights w = enc.packed();
    const std::vector<float> a = random_vector(m * k, 22);
    const std::vector<float> bias = random_vector(n, 23);
    Epilogue e;
    e.bias = bias.data();
    for (Isa isa : available_levels()) {
      std::vector<float> whole(static_cast<size_t>(m * n));
      ASSERT_TRUE(gemm_on(isa, w, a.data(), k, m, e, whole.data(), n, 0, n));
      const std::vector<std::vector<int64_t>> splits = {
          {0, gemm_n_step(), 2 * gemm_n_step(), n}, {0, 1, 7, 40, 41, 99, n}, {0, 50, n}};
      for (const auto& cuts : splits) {
        std::vector<float> parts(whole.size());
        for (size_t s = 0; s + 1 < cuts.size(); ++s) {
          ASSERT_TRUE(gemm_on(isa, w, a.data(), k, m, e, parts.data(), n, cuts[s], cuts[s + 1]));
        }
        ASSERT_TRUE(testing_support::same_bits(parts, whole)) << f.name << " " << isa_name(isa);
      }
      // Rows one at a time, and rows 3..17 alone.
      std::vector<float> rows(whole.size());
      for (int64_t i = 0; i < m; ++i) {
        ASSERT_TRUE(gemm_on(isa, w, a.data() + i * k, k, 1, e, rows.data() + i * n, n, 0, n));
      }
      ASSERT_TRUE(testing_support::same_bits(rows, whole)) << f.name << " " << isa_name(isa);
      std::vector<float> middle(static_cast<size_t>(14 * n));
      ASSERT_TRUE(gemm_on(isa, w, a.data() + 3 * k, k, 14, e, middle.data(), n, 0, n));
      ASSERT_TRUE(std::equal(middle.begin(), middle.end(), whole.begin() + 3 * n)) << f.name;
    }
  }
}

}  // namespace
}  // namespace nibble::gemm
