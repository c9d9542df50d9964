// Every fixture model cut short at every byte of its size prefix +
// FlatBuffer and at 1,000 evenly spaced points of its data region: each
// load is an error, never a crash. The cut image sits in a buffer of
// exactly that size, so ASan sees any read past the cut.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "loader/file_layout.h"
#include "nibble/nibble.hpp"
#include "sweep_models.h"
#include "sweep_support.h"

namespace nibble {
namespace {

using testing::ExactBuffer;
using testing::Outcomes;

class TruncationSweep : public ::testing::TestWithParam<const char*> {};

bool loads_cut_at(const std::vector<uint8_t>& bytes, size_t n, Outcomes* outcomes) {
  ExactBuffer cut(n);
  if (n > 0) std::memcpy(cut.data(), bytes.data(), n);
  return testing::exercise(cut.data(), n, /*sessions=*/false, outcomes);
}

TEST_P(TruncationSweep, EveryCutIsAnError) {
  const std::vector<uint8_t> bytes = testing::sweep_model_bytes(GetParam());
  ASSERT_GT(bytes.size(), 64u);
  Outcomes whole;
  ASSERT_TRUE(loads_cut_at(bytes, bytes.size(), &whole)) << "the uncut model must load";

  uint32_t fb_size = 0;
  std::memcpy(&fb_size, bytes.data(), 4);  // little-endian hosts only (x86-64, aarch64)
  const uint64_t data_offset = data_region_offset(fb_size);
  ASSERT_LE(data_offset, bytes.size());
  const uint64_t stride = testing::sweep_stride();

  Outcomes metadata;
  for (uint64_t n = 0; n < kSizePrefixBytes + fb_size; n += stride) {
    ASSERT_FALSE(loads_cut_at(bytes, n, &metadata)) << GetParam() << " cut at byte " << n << " loaded";
  }
  // 1,000 points spread over the data region (all of it when smaller).
  Outcomes data;
  const uint64_t data_bytes = bytes.size() - data_offset;
  const uint64_t points = data_bytes < 1000 ? data_bytes : 1000;
  for (uint64_t i = 0; i < points; i += stride) {
    const uint64_t n = data_offset + data_bytes * i / points;
    ASSERT_FALSE(loads_cut_at(bytes, n, &data)) << GetParam() << " cut at byte " << n << " loaded";
  }
  EXPECT_EQ(metadata.attempts, (kSizePrefixBytes + fb_size + stride - 1) / stride);
  EXPECT_EQ(data.attempts, (points + stride - 1) / stride);
  std::printf("%s: %llu-byte file, %llu cuts in the header+FlatBuffer, %llu in the data region, all rejected\n",
              GetParam(), static_cast<unsigned long long>(bytes.size()),
              static_cast<unsigned long long>(metadata.attempts), static_cast<unsigned long long>(data.attempts));
}

INSTANTIATE_TEST_SUITE_P(Models, TruncationSweep, ::testing::ValuesIn(testing::kSweepModels),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace nibble
