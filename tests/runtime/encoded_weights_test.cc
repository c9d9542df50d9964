// Models whose LINEAR weights are stored under each codec: the runtime's
// reference path decodes them on the fly to the same numbers the codec's
// decoder gives, and every corrupted codec field is a typed error (these
// run under ASan+UBSan in CI).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "codec/code_tables.h"
#include "codec/encode.h"
#include "codec/half.h"
#include "codec/packed_weights.h"
#include "encoded_cases.h"
#include "encoded_model_builder.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

namespace nibble {
namespace {

using testing::EncodedLinear;
using testing::Built;
using testing::Case;
using testing::kCases;
using testing::build;

Status session_status(const std::vector<uint8_t>& bytes) {
  testing::AlignedImage image = testing::aligned_copy(bytes);
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  if (!model.is_ok()) return model.status();
  Result<Session> session = Session::create(model.value());
  if (!session.is_ok()) return session.status();
  std::vector<float> x(model->input(0).numel, 0.5f);
  EXPECT_TRUE(session->set_input(0, x.data(), x.size()).is_ok());
  return session->run();
}

void expect_error(const Status& status, StatusCode code, const char* fragment) {
  EXPECT_EQ(status.code(), code) << status.message();
  EXPECT_NE(std::strstr(status.message(), fragment), nullptr)
      << "message '" << status.message() << "' should mention '" << fragment << "'";
}

TEST(EncodedWeights, EveryCodecRunsToTheDecodedProduct) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Built b = build(c);
    testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(b.spec));
    Result<Model> model = Model::from_buffer(image.data(), image.size);
    ASSERT_TRUE(model.is_ok()) << model.status().message();
    EXPECT_EQ(model->weight_bytes(), b.seg.total_bytes);
    codec::PackedWeights view;
    view.layout = b.layout;
    view.segment = b.seg;
    view.data = b.spec.segment.data();
    view.table = b.spec.table.data();
    std::vector<float> x(static_cast<size_t>(b.spec.k));
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * static_cast<float>(i)) + 0.1f;
    for (Backend backend : {Backend::kReference, Backend::kDefault}) {
      SessionOptions options;
      options.backend = backend;
      Result<Session> session = Session::create(model.value(), options);
      ASSERT_TRUE(session.is_ok()) << session.status().message();
      // Encoded weights run on the fused kernels unless the reference is asked for.
      EXPECT_STREQ(session->op_backend(0), backend == Backend::kReference ? "reference" : "fused");
      ASSERT_TRUE(session->set_input(0, x.data(), x.size()).is_ok());
      ASSERT_TRUE(session->run().is_ok());
      std::vector<float> row(static_cast<size_t>(b.spec.k));
      double max_error = 0, max_weight_error = 0;
      for (int64_t r = 0; r < b.spec.n; ++r) {
        codec::decode_row(view, r, row.data());
        double expected = 0;
        for (int64_t kk = 0; kk < b.spec.k; ++kk) {
          expected += static_cast<double>(row[kk]) * x[kk];
          max_weight_error = std::max(max_weight_error, std::fabs(double(row[kk]) - b.weights[r * b.spec.k + kk]));
        }
        max_error = std::max(max_error, std::fabs(expected - session->output_data(0)[r]));
      }
      EXPECT_LT(max_error, 1e-4) << "output differs from the decoded weights' product on " << backend_name(backend);
      // The codec itself is lossy but not wild (a sanity bound, not its
      // accuracy test: tests/codec has those).
      EXPECT_LT(max_weight_error, 2.0);
    }
  }
}

const Case& find_case(const char* name) {
  for (const Case& c : kCases) {
    if (std::strcmp(c.name, name) == 0) return c;
  }
  return kCases[0];
}

// Files leave out the pqnt, lsq and log2 tables (they follow from kind,
// bits and parameter); the loader's table must decode to the same outputs.
TEST(EncodedWeights, DerivedTablesEqualTheConvertersTables) {
  for (const char* name : {"pqnt4", "lsq_c8", "log2_5", "log2_9"}) {
    SCOPED_TRACE(name);
    Built with = build(find_case(name));
    Built without = with;
    without.spec.has_table = false;
    std::vector<float> outputs[2];
    for (int k = 0; k < 2; ++k) {
      testing::AlignedImage image = testing::aligned_copy(testing::build_encoded_linear(k == 0 ? with.spec : without.spec));
      Result<Model> model = Model::from_buffer(image.data(), image.size);
      ASSERT_TRUE(model.is_ok()) << model.status().message();
      Result<Session> session = Session::create(model.value());
      ASSERT_TRUE(session.is_ok()) << session.status().message();
      std::vector<float> x(static_cast<size_t>(with.spec.k));
      for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.3f * static_cast<float>(i));
      ASSERT_TRUE(session->set_input(0, x.data(), x.size()).is_ok());
      ASSERT_TRUE(session->run().is_ok());
      outputs[k].assign(session->output_data(0), session->output_data(0) + with.spec.n);
    }
    EXPECT_EQ(outputs[0], outputs[1]);
  }
}

TEST(EncodedWeights, RejectsCodeWidthsOutOfRange) {
  for (int bits : {0, 9, 33, 255}) {
    Built b = build(find_case("int8"));
    b.spec.bits = bits;
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "code width");
  }
  for (int bits : {0, 10, 33}) {
    Built b = build(find_case("pqnt4"));
    b.spec.bits = bits;
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "code width");
  }
}

TEST(EncodedWeights, RejectsNonFiniteOrNonPositiveScales) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 0.0f, -1.0f}) {
    Built b = build(find_case("int8"));
    std::memcpy(b.spec.segment.data() + b.seg.scales_offset + 4, &bad, 4);
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "scale 1");
  }
  Built h = build(find_case("lut3_g32"));  // f16 scales
  const uint16_t nan16 = 0x7e00;
  std::memcpy(h.spec.segment.data() + h.seg.scales_offset, &nan16, 2);
  expect_error(session_status(testing::build_encoded_linear(h.spec)), StatusCode::kMalformed, "scale 0");
  Built q = build(find_case("q4_0"));  // the fp16 d of block 1 of row 0
  const uint16_t inf16 = 0x7c00;
  std::memcpy(q.spec.segment.data() + 18, &inf16, 2);
  expect_error(session_status(testing::build_encoded_linear(q.spec)), StatusCode::kMalformed, "block 1");
}

TEST(EncodedWeights, RejectsSegmentsOfTheWrongSize) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    Built b = build(c);
    b.spec.segment.pop_back();
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "shape and codec need");
    b.spec.segment.resize(b.spec.segment.size() + 65, 0);
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "shape and codec need");
  }
}

TEST(EncodedWeights, RejectsBadCodeTables) {
  Built b = build(find_case("pqnt4"));
  b.spec.table.pop_back();
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "15 entries");
  b = build(find_case("lut3_g32"));  // a learned table must be stored
  b.spec.has_table = false;
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "0 entries");
  b = build(find_case("log2_5"));
  b.spec.parameter = -2.0f;  // r must be positive
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "parameter");
  b = build(find_case("pqnt4"));
  b.spec.bits = 1;  // one bit has no pqnt level besides zero
  b.spec.table.resize(2);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "cannot have 1-bit");
  b = build(find_case("lut3_g32"));
  b.spec.table[3] = std::numeric_limits<float>::quiet_NaN();
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "entry 3");
  b = build(find_case("lut3_g32"));
  b.spec.table_kind = static_cast<fb::TableKind>(9);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "table kind");
}

TEST(EncodedWeights, RejectsUnknownEnumsAndGroups) {
  Built b = build(find_case("int8"));
  b.spec.granularity = static_cast<fb::Granularity>(7);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "granularity");
  b = build(find_case("int8"));
  b.spec.scale_type = static_cast<fb::ScaleType>(5);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "scale type");
  b = build(find_case("affine4_g16"));
  b.spec.group_size = 0;
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "group size 0");
  b = build(find_case("q8_0"));
  b.spec.block_format = static_cast<fb::BlockFormat>(42);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "block format");
  b = build(find_case("f16"));
  b.spec.half_format = static_cast<fb::HalfFormat>(3);
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "half format");
}

// A codec type whose table is absent passes the FlatBuffers Verifier; the
// loader dereferenced the null table (found by fuzz_model_loader).
TEST(EncodedWeights, RejectsCodecTypeWithoutItsTable) {
  for (const char* name : {"f16", "q4_0", "int8", "lut3_g32"}) {
    Built b = build(find_case(name));
    b.spec.omit_codec_table = true;
    expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "no codec table");
  }
}

TEST(EncodedWeights, RejectsZeroPointsAboveTheCodeRange) {
  Built b = build(find_case("affine4_g16"));
  b.spec.segment[b.seg.zero_points_offset + 2] = 16;  // 4-bit codes end at 15
  expect_error(session_status(testing::build_encoded_linear(b.spec)), StatusCode::kMalformed, "zero point 2");
}

// Random corruption of the codec fields and of the segment bytes: every
// outcome is a status (ok or an error), never a crash or a sanitizer
// report. A fixed seed keeps it reproducible.
TEST(EncodedWeights, RandomCodecFieldCorruptionNeverCrashes) {
  std::mt19937 rng(2026);
  int rejected = 0, accepted = 0;
  for (int iter = 0; iter < 600; ++iter) {
    Built b = build(kCases[rng() % (sizeof kCases / sizeof kCases[0])]);
    switch (rng() % 8) {
      case 0: b.spec.bits = static_cast<int>(rng() % 256); break;
      case 1: b.spec.granularity = static_cast<fb::Granularity>(rng() % 5); break;
      case 2: b.spec.group_size = rng() % 70; break;
      case 3: b.spec.symmetric = !b.spec.symmetric; break;
      case 4: b.spec.table.resize(rng() % 600, 1.0f); break;
      case 5: b.spec.segment.resize(rng() % (b.spec.segment.size() * 2 + 1), 0x7f); break;
      case 6:
        for (int j = 0; j < 8 && !b.spec.segment.empty(); ++j) b.spec.segment[rng() % b.spec.segment.size()] = static_cast<uint8_t>(rng());
        break;
      case 7: b.spec.codec_type = static_cast<fb::Codec>(1 + rng() % 5); break;
    }
    const Status s = session_status(testing::build_encoded_linear(b.spec));
    (s.is_ok() ? accepted : rejected) += 1;
    if (!s.is_ok()) {
      EXPECT_GT(std::strlen(s.message()), 0u);
    }
  }
  EXPECT_GT(rejected, 100);  // most corruptions are caught...
  EXPECT_GT(accepted, 10);   // ...and benign ones (a flipped code byte) still run
}

}  // namespace
}  // namespace nibble
