// EMBEDDING (reference): rows of f32 and encoded tables in id order,
// positional rows from the session's position, run-time row counts, the
// run-time id check and the shape checks.
#include <cstring>
#include <random>

#include "codec/decode_range.h"
#include "gemv_cases.h"  // tests/gemv: formats and encode_case
#include "op_test_util.h"

namespace nibble::test {
namespace {

using gemv::testing_support::encode_case;
using gemv::testing_support::FormatCase;
using gemv::testing_support::kFormats;

// int32 ids stored in a Buf's float slots, as the session binds an I32
// tensor.
Buf ids_tensor(const std::vector<int32_t>& ids) {
  Buf b = tensor({static_cast<int64_t>(ids.size())});
  std::memcpy(b.data.data(), ids.data(), ids.size() * sizeof(int32_t));
  return b;
}

Buf random_table(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Buf t = tensor({rows, cols});
  for (float& v : t.data) v = dist(rng);
  return t;
}

BoundOp embedding_op(Buf& ids, Buf& table, Buf& out, const SequenceState* seq, bool positional = false) {
  BoundOp op = make_op(OpCode::kEmbedding, {&ids, &table}, &out, "wte");
  op.params.embedding.positional = positional;
  op.sequence = seq;
  return op;
}

const FormatCase& format_named(const char* name) {
  for (const FormatCase& f : kFormats) {
    if (std::string(f.name) == name) return f;
  }
  ADD_FAILURE() << "no format " << name;
  return kFormats[0];
}

TEST(RefEmbedding, F32RowsInIdOrder) {
  Buf table = random_table(11, 5, 1);
  Buf ids = ids_tensor({3, 0, 10, 3});
  Buf out = tensor({4, 5});
  SequenceState seq;
  BoundOp op = embedding_op(ids, table, out, &seq);
  ASSERT_TRUE(ref::check_run(op).is_ok());
  NIBBLE_CHECK_AND_RUN(op);
  const int rows[4] = {3, 0, 10, 3};
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 5; ++c) EXPECT_EQ(out.data[i * 5 + c], table.data[rows[i] * 5 + c]) << i << "," << c;
}

// The session checks the op at the planned maximum S and runs fewer rows
// by setting dims[0]: rows past n stay untouched.
TEST(RefEmbedding, RunsTheRowCountOfTheViews) {
  Buf table = random_table(7, 3, 2);
  Buf ids = ids_tensor({6, 1, 2, 4});
  Buf out = tensor({4, 3}, std::vector<float>(12, -7.0f));
  SequenceState seq;
  BoundOp op = embedding_op(ids, table, out, &seq);
  ASSERT_TRUE(ref::check_op(op).is_ok());
  op.inputs[0].dims[0] = 2;
  op.outputs[0].dims[0] = 2;
  ASSERT_TRUE(ref::check_run(op).is_ok());
  ref::run_op(op);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(out.data[c], table.data[6 * 3 + c]);
    EXPECT_EQ(out.data[3 + c], table.data[1 * 3 + c]);
  }
  for (int i = 6; i < 12; ++i) EXPECT_EQ(out.data[i], -7.0f);
}

// Encoded tables: each output row is bit-identical to the codec's decode
// of that table row (decode_range over the whole row).
TEST(RefEmbedding, EncodedTablesGiveTheDecodedRows) {
  const int64_t rows = 37, cols = 100;  // cols not a multiple of 32: ggml tail blocks
  const std::vector<int32_t> id_values = {5, 0, 36, 5, 17};
  for (const char* name : {"q4_0", "q8_0", "int4_channel_f32", "lut4_g16_e8"}) {
    SCOPED_TRACE(name);
    const auto encoded = encode_case(format_named(name), rows, cols, 21);
    const codec::PackedWeights packed = encoded.packed();
    Buf table = tensor({rows, cols});
    Buf ids = ids_tensor(id_values);
    Buf out = tensor({5, cols});
    SequenceState seq;
    BoundOp op = embedding_op(ids, table, out, &seq);
    op.inputs[1].data = const_cast<float*>(reinterpret_cast<const float*>(packed.data));
    op.inputs[1].packed = &packed;
    ASSERT_TRUE(ref::check_run(op).is_ok());
    NIBBLE_CHECK_AND_RUN(op);
    std::vector<float> row(cols);
    for (size_t i = 0; i < id_values.size(); ++i) {
      codec::decode_range(packed, id_values[i], 0, cols, row.data());
      for (int64_t c = 0; c < cols; ++c) ASSERT_EQ(out.data[i * cols + c], row[c]) << "row " << i << " col " << c;
    }
  }
}

// Positional: row i is table[position + i], whatever the ids say.
TEST(RefEmbedding, PositionalRowsStartAtThePosition) {
  Buf table = random_table(10, 4, 3);
  Buf ids = ids_tensor({9, 9, 9});
  Buf out = tensor({3, 4});
  SequenceState seq;
  seq.position = 6;
  seq.rows = 3;
  BoundOp op = embedding_op(ids, table, out, &seq, /*positional=*/true);
  EXPECT_FALSE(ref::needs_run_check(op));
  NIBBLE_CHECK_AND_RUN(op);
  for (int i = 0; i < 3; ++i)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(out.data[i * 4 + c], table.data[(6 + i) * 4 + c]);
}

TEST(RefEmbedding, PositionalEncodedTable) {
  const auto encoded = encode_case(format_named("q8_0"), 12, 64, 4);
  const codec::PackedWeights packed = encoded.packed();
  Buf table = tensor({12, 64});
  Buf ids = ids_tensor({0, 0});
  Buf out = tensor({2, 64});
  SequenceState seq;
  seq.position = 10;  // the last two rows
  BoundOp op = embedding_op(ids, table, out, &seq, /*positional=*/true);
  op.inputs[1].data = const_cast<float*>(reinterpret_cast<const float*>(packed.data));
  op.inputs[1].packed = &packed;
  NIBBLE_CHECK_AND_RUN(op);
  std::vector<float> row(64);
  for (int i = 0; i < 2; ++i) {
    codec::decode_range(packed, 10 + i, 0, 64, row.data());
    for (int c = 0; c < 64; ++c) ASSERT_EQ(out.data[i * 64 + c], row[c]);
  }
}

TEST(RefEmbedding, LimitsAndState) {
  Buf table = random_table(10, 4, 5);
  Buf ids = ids_tensor({1, 2});
  Buf out = tensor({2, 4});
  SequenceState seq;
  BoundOp tokens = embedding_op(ids, table, out, &seq);
  BoundOp positions = embedding_op(ids, table, out, &seq, /*positional=*/true);
  EXPECT_TRUE(ref::needs_run_check(tokens));
  EXPECT_EQ(ref::position_limit(tokens), INT64_MAX);
  EXPECT_EQ(ref::position_limit(positions), 10);
  EXPECT_EQ(ref::state_bytes(tokens), 0u);
  EXPECT_EQ(ref::state_bytes(positions), 0u);
}

TEST(RefEmbedding, RunCheckRejectsIdsOutsideTheTable) {
  Buf table = random_table(2048, 2, 6);
  Buf out = tensor({4, 2}, std::vector<float>(8, 3.0f));
  SequenceState seq;
  {
    Buf ids = ids_tensor({1, 2, 2047, 70000});
    BoundOp op = embedding_op(ids, table, out, &seq);
    ASSERT_TRUE(ref::check_op(op).is_ok());
    const Status s = ref::check_run(op);
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
    EXPECT_STREQ(s.message(), "op 'wte' (Embedding): token id 70000 at row 3 is outside the table's 2048 rows");
  }
  {
    Buf ids = ids_tensor({-1, 0, 0, 0});
    BoundOp op = embedding_op(ids, table, out, &seq);
    const Status s = ref::check_run(op);
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
    EXPECT_NE(std::string(s.message()).find("token id -1 at row 0"), std::string::npos) << s.message();
  }
  {
    // Only this run's rows count: the bad id past dims[0] is not read.
    Buf ids = ids_tensor({0, 2048, 5, 6});
    BoundOp op = embedding_op(ids, table, out, &seq);
    EXPECT_FALSE(ref::check_run(op).is_ok());
    op.inputs[0].dims[0] = 1;
    op.outputs[0].dims[0] = 1;
    EXPECT_TRUE(ref::check_run(op).is_ok());
  }
  for (float v : out.data) EXPECT_EQ(v, 3.0f);  // nothing ran
}

// Without the run-time check (a broken session), run_op still reads
// nothing outside the table: a bad id's row and a positional run past the
// table are left untouched.
TEST(RefEmbedding, RunWithoutTheCheckStaysInsideTheTable) {
  Buf table = random_table(4, 2, 8);
  SequenceState seq;
  {
    Buf ids = ids_tensor({1, 1000000, -3});
    Buf out = tensor({3, 2}, std::vector<float>(6, 3.0f));
    BoundOp op = embedding_op(ids, table, out, &seq);
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {table.data[2], table.data[3], 3, 3, 3, 3});
  }
  {
    Buf ids = ids_tensor({0, 0});
    Buf out = tensor({2, 2}, std::vector<float>(4, 3.0f));
    seq.position = 3;  // 3 + 2 > 4
    BoundOp op = embedding_op(ids, table, out, &seq, /*positional=*/true);
    NIBBLE_CHECK_AND_RUN(op);
    expect_values(out, {3, 3, 3, 3});
  }
}

TEST(RefEmbedding, Rejects) {
  Buf table = random_table(10, 4, 7);
  Buf ids = ids_tensor({1, 2, 3});
  SequenceState seq;
  {
    Buf out = tensor({3, 5});  // E is 4
    BoundOp op = embedding_op(ids, table, out, &seq);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf out = tensor({2, 4});  // S is 3
    BoundOp op = embedding_op(ids, table, out, &seq);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf flat = tensor({40});
    Buf out = tensor({3, 4});
    BoundOp op = embedding_op(ids, flat, out, &seq);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    Buf ids2 = tensor({1, 3});  // ids must be rank 1
    Buf out = tensor({1, 4});
    BoundOp op = embedding_op(ids2, table, out, &seq);
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    // An encoded table whose layout disagrees with the tensor's shape.
    const auto encoded = encode_case(format_named("q8_0"), 10, 32, 8);
    const codec::PackedWeights packed = encoded.packed();
    Buf out = tensor({3, 4});
    BoundOp op = embedding_op(ids, table, out, &seq);
    op.inputs[1].data = const_cast<float*>(reinterpret_cast<const float*>(packed.data));
    op.inputs[1].packed = &packed;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    // Encoded ids (input 0) are not decodable.
    const auto encoded = encode_case(format_named("q8_0"), 1, 32, 9);
    const codec::PackedWeights packed = encoded.packed();
    Buf out = tensor({3, 4});
    BoundOp op = embedding_op(ids, table, out, &seq);
    op.inputs[0].packed = &packed;
    NIBBLE_EXPECT_REJECTED(op, kUnsupported);
  }
}

}  // namespace
}  // namespace nibble::test
