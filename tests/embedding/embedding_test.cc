// Embedding lookup: every format gives the decoded rows, in the order of
// the ids (repeats included), and a bad id changes nothing.
#include <gtest/gtest.h>

#include <vector>

#include "embedding/embedding.h"
#include "gemv_cases.h"  // tests/gemv: formats and encode_case

namespace nibble::embedding {
namespace {

using gemv::testing_support::encode_case;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;

TEST(Embedding, RowsAreTheDecodedRowsInIdOrder) {
  const int64_t rows = 37, cols = 100;
  const std::vector<int64_t> ids = {5, 0, 36, 5, 17};
  for (const FormatCase& f : kFormats) {
    SCOPED_TRACE(f.name);
    const auto e = encode_case(f, rows, cols, 11);
    const codec::PackedWeights w = e.packed();
    std::vector<float> out(ids.size() * cols, -1.0f), row(cols);
    ASSERT_TRUE(lookup(w, ids.data(), static_cast<int64_t>(ids.size()), out.data()));
    for (size_t i = 0; i < ids.size(); ++i) {
      codec::decode_row(w, ids[i], row.data());
      for (int64_t c = 0; c < cols; ++c) ASSERT_EQ(out[i * cols + c], row[c]) << "id " << ids[i] << " col " << c;
    }
  }
}

// int32 ids (a model's I32 input, read in place) give the same rows as
// int64 ids, and a bad one is reported the same way.
TEST(Embedding, Int32IdsMatchInt64Ids) {
  const int64_t rows = 20, cols = 48;
  const auto e = encode_case(kFormats[0], rows, cols, 5);
  const codec::PackedWeights w = e.packed();
  const std::vector<int64_t> wide = {19, 0, 7, 7};
  const std::vector<int32_t> narrow = {19, 0, 7, 7};
  std::vector<float> a(wide.size() * cols, 0.0f), b(wide.size() * cols, 1.0f);
  ASSERT_TRUE(lookup(w, wide.data(), 4, a.data()));
  ASSERT_TRUE(lookup(w, narrow.data(), 4, b.data()));
  EXPECT_EQ(a, b);
  const std::vector<int32_t> bad = {1, -5, 2};
  int64_t where = -1;
  EXPECT_FALSE(lookup(w, bad.data(), 3, b.data(), &where));
  EXPECT_EQ(where, 1);
}

TEST(Embedding, AnOutOfRangeIdIsReportedAndChangesNothing) {
  const auto e = encode_case(kFormats[0], 10, 64, 3);
  const codec::PackedWeights w = e.packed();
  for (int64_t bad : {int64_t{-1}, int64_t{10}, int64_t{1} << 40}) {
    const std::vector<int64_t> ids = {1, 2, bad, 3};
    std::vector<float> out(ids.size() * 64, 7.0f);
    int64_t where = -1;
    EXPECT_FALSE(lookup(w, ids.data(), 4, out.data(), &where));
    EXPECT_EQ(where, 2);
    for (float v : out) ASSERT_EQ(v, 7.0f);
  }
}

}  // namespace
}  // namespace nibble::embedding
