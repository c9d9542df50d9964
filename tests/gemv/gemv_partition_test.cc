// The row range only splits work: a row's result is the same bits whatever
// range computes it, and rows outside the range are not written.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "gemv_cases.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

TEST(GemvPartition, ResultsDoNotDependOnTheRowRange) {
  const int64_t rows = 23, cols = 300;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 11);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 12);
    const std::vector<float> bias = random_vector(rows, 13);
    for (Isa isa : available_levels()) {
      std::vector<float> whole(rows);
      ASSERT_TRUE(gemv_on(isa, w, x.data(), bias.data(), whole.data(), 0, rows));
      // One row at a time, and uneven splits that shift the row blocks.
      for (int64_t step : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{5}, int64_t{7}}) {
        std::vector<float> parts(rows, -1.0f);
        for (int64_t r = 0; r < rows; r += step) {
          const int64_t end = r + step < rows ? r + step : rows;
          ASSERT_TRUE(gemv_on(isa, w, x.data(), bias.data(), parts.data(), r, end));
        }
        ASSERT_EQ(std::memcmp(whole.data(), parts.data(), sizeof(float) * rows), 0)
            << f.name << " on " << isa_name(isa) << ", steps of " << step;
      }
    }
  }
}

TEST(GemvPartition, OnlyTheRangeIsWritten) {
  const int64_t rows = 17, cols = 100;
  for (const FormatCase& f : kFormats) {
    const Encoded e = encode_case(f, rows, cols, 21);
    const codec::PackedWeights w = e.packed();
    const std::vector<float> x = random_vector(cols, 22);
    for (Isa isa : available_levels()) {
      std::vector<float> y(rows, 12345.0f);
      ASSERT_TRUE(gemv_on(isa, w, x.data(), nullptr, y.data(), 5, 11));
      for (int64_t r = 0; r < rows; ++r) {
        if (r < 5 || r >= 11) {
          ASSERT_EQ(y[r], 12345.0f) << f.name << " on " << isa_name(isa) << " row " << r;
        } else {
          ASSERT_NE(y[r], 12345.0f) << f.name << " on " << isa_name(isa) << " row " << r;
        }
      }
      // An empty range writes nothing.
      std::vector<float> untouched(rows, 7.0f);
      ASSERT_TRUE(gemv_on(isa, w, x.data(), nullptr, untouched.data(), 4, 4));
      for (float v : untouched) ASSERT_EQ(v, 7.0f);
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
