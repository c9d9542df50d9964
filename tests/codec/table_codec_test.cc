// TableCodec through encode_weights and decode_row: w = scale * table[code]
// for pqnt, lsq, log2 and lut, in every scale granularity: each code is
// the one its rule gives for the stored scale, and the level lies next to
// the weight.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/code_tables.h"
#include "codec/encode.h"
#include "codec/half.h"
#include "codec/packed_weights.h"
#include "encoded_weights.h"

namespace nibble::codec {
namespace {

using namespace testing_support;

struct TableCase {
  const char* name;
  TableKind kind;
  int bits;
  float parameter;
};

const TableCase kTables[] = {
    {"pqnt 4 p=0.5", TableKind::kPqnt, 4, 0.5f}, {"pqnt 3 p=0.75", TableKind::kPqnt, 3, 0.75f},
    {"pqnt 9 p=2", TableKind::kPqnt, 9, 2.0f},   {"lsq 4", TableKind::kLsq, 4, 0.0f},
    {"lsq 8", TableKind::kLsq, 8, 0.0f},         {"log2 4 r=2", TableKind::kLog2, 4, 2.0f},
    {"log2 9 r=8", TableKind::kLog2, 9, 8.0f},   {"lut 2", TableKind::kLut, 2, 0.0f},
    {"lut 4", TableKind::kLut, 4, 0.0f},         {"lut 9", TableKind::kLut, 9, 0.0f},
};

std::vector<float> table_for(const TableCase& t) {
  std::vector<float> table(size_t{1} << t.bits);
  switch (t.kind) {
    case TableKind::kPqnt: EXPECT_TRUE(build_pqnt_table(t.bits, t.parameter, table.data())); break;
    case TableKind::kLsq: EXPECT_TRUE(build_lsq_table(t.bits, table.data())); break;
    case TableKind::kLog2: EXPECT_TRUE(build_log2_table(t.bits, t.parameter, table.data())); break;
    case TableKind::kLut: {
      // A learned-codebook stand-in: unsorted, with a duplicate entry.
      std::mt19937 rng(static_cast<uint32_t>(t.bits));
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      for (float& v : table) v = uniform(rng);
      table[table.size() - 1] = table[0];
      break;
    }
  }
  return table;
}

uint16_t code_by_rule(const TableCase& t, const std::vector<float>& table, float v) {
  switch (t.kind) {
    case TableKind::kPqnt: return encode_pqnt(v, t.bits, t.parameter, nullptr);
    case TableKind::kLsq: return encode_lsq(v, t.bits, nullptr);
    case TableKind::kLog2: return encode_log2(v, t.bits, t.parameter, nullptr);
    case TableKind::kLut: return encode_nearest(v, table.data(), t.bits);
  }
  return 0;
}

// Rounding in a monotone transform of v (pqnt, lsq, log2) picks one of the
// two table levels around v, the largest below it or the smallest above;
// lut picks the nearest level. Either way |v - level| is at most the gap
// between v's neighbouring levels.
void expect_level_around(const TableCase& t, const std::vector<float>& table, float v, float level) {
  float below = -INFINITY, above = INFINITY, nearest = INFINITY;
  for (float entry : table) {
    if (entry <= v) below = std::fmax(below, entry);
    if (entry >= v) above = std::fmin(above, entry);
    nearest = std::fmin(nearest, std::fabs(entry - v));
  }
  if (t.kind == TableKind::kLut) {
    EXPECT_EQ(std::fabs(level - v), nearest) << "v " << v;
  } else {
    EXPECT_TRUE(level == below || level == above)
        << "v " << v << " level " << level << " in [" << below << ", " << above << "]";
  }
}

TEST(TableCodec, TableCodesFollowTheirRule) {
  const std::vector<float> w = random_weights(kRows, kCols, 5);
  for (const TableCase& t : kTables) {
    const std::vector<float> table = table_for(t);
    float max_level = 0;
    for (float v : table) max_level = std::fmax(max_level, std::fabs(v));
    if (t.kind == TableKind::kPqnt) max_level = pqnt_max_level(t.bits, t.parameter);
    for (const GranularityCase& g : kGranularities) {
      for (ScaleType st : {ScaleType::kF32, ScaleType::kF16}) {
        SCOPED_TRACE(testing::Message() << t.name << " granularity " << static_cast<int>(g.granularity) << " group "
                                        << g.group_size << " f16 " << (st == ScaleType::kF16));
        const WeightLayout l = layout_of(Format::kTable, t.bits, g.granularity, kRows, kCols, g.group_size, st);
        SegmentLayout seg;
        ASSERT_TRUE(compute_segment_layout(l, &seg, nullptr));
        const std::vector<float> scales = absmax_scales(l, seg, w, 1.01f / max_level);
        EncodeParams params;
        params.scales = scales.data();
        params.table_kind = t.kind;
        params.parameter = t.parameter;
        params.table = t.kind == TableKind::kLut ? table.data() : nullptr;
        Encoded e;
        e.table = table;
        ASSERT_TRUE(encode(l, w, params, &e));
        expect_padding_zero(e);
        const std::vector<float> out = e.decode();
        for (int64_t r = 0; r < kRows; ++r) {
          for (int64_t c = 0; c < kCols; ++c) {
            const float s = e.stored_scale(expected_scale_index(l, r, c));
            ASSERT_EQ(scale_at(e.packed(), r, c), s);
            const float v = w[static_cast<size_t>(r * kCols + c)] / s;
            const uint16_t code = code_by_rule(t, table, v);
            const uint8_t* row = e.bytes.data() + static_cast<uint64_t>(r) * e.seg.row_bytes;
            ASSERT_EQ(code_at(row, static_cast<uint64_t>(c), t.bits), code) << r << "," << c;
            ASSERT_EQ(out[static_cast<size_t>(r * kCols + c)], s * table[code]) << r << "," << c;
            expect_level_around(t, table, v, table[code]);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace nibble::codec
