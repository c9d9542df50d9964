// The loader accepts the valid test model and runs it to hand-computed
// numbers; each malformed variant gets its own status code and a message,
// and nothing crashes (these run under ASan+UBSan in CI).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include "nibble/nibble.h"
#include "nibble/nibble.hpp"
#include "support/temp_path.h"
#include "test_model_builder.h"

namespace nibble {
namespace {

using testing::aligned_copy;
using testing::AlignedImage;
using testing::build_model;
using testing::Knobs;

Status load_status(const std::vector<uint8_t>& bytes) {
  AlignedImage image = aligned_copy(bytes);
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  return model.is_ok() ? Status::ok() : model.status();
}

// Loads, then creates a session: the per-op checks run at that point.
Status session_status(const std::vector<uint8_t>& bytes) {
  AlignedImage image = aligned_copy(bytes);
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  if (!model.is_ok()) return model.status();
  Result<Session> session = Session::create(model.value());
  return session.is_ok() ? Status::ok() : session.status();
}

void expect_error(const Status& status, StatusCode code, const char* fragment) {
  EXPECT_EQ(status.code(), code) << status.message();
  EXPECT_NE(std::strstr(status.message(), fragment), nullptr)
      << "message '" << status.message() << "' should mention '" << fragment << "'";
}

TEST(ModelLoader, ValidModelRunsToHandComputedValues) {
  AlignedImage image = aligned_copy(build_model());
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model->num_inputs(), 1u);
  EXPECT_EQ(model->num_operators(), 2u);
  EXPECT_EQ(model->weight_bytes(), 60u);
  EXPECT_STREQ(model->input(0).name, "x");
  EXPECT_EQ(model->output(0).numel, 3u);
  EXPECT_STREQ(model->metadata("producer"), "test");
  for (Backend backend : {Backend::kReference, Backend::kDefault}) {
    SessionOptions options;
    options.backend = backend;
    Result<Session> session = Session::create(model.value(), options);
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    const float x[4] = {1, 2, 3, 4};
    ASSERT_TRUE(session->set_input(0, x, 4).is_ok());
    ASSERT_TRUE(session->run().is_ok());
    // y_i = sum_k (i + 0.5k) x_k + b_i; sum x = 10, sum k x_k = 0+2+6+12 = 20
    // y = {0*10 + 10 + 1, 10 + 10 - 20, 20 + 10 + 0.25} = {11, 0, 30.25}
    // z = clamp(y, 0, 6) = {6, 0, 6}
    const float* z = session->output_data(0);
    EXPECT_FLOAT_EQ(z[0], 6.0f);
    EXPECT_FLOAT_EQ(z[1], 0.0f);
    EXPECT_FLOAT_EQ(z[2], 6.0f);
  }
}

TEST(ModelLoader, PlansMemoryWhenTheFileHasNoPlan) {
  Knobs k;
  k.write_plan = false;
  AlignedImage image = aligned_copy(build_model(k));
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  // x (16 B), y (12 B), z (12 B) are all alive at op 1's time or overlap
  // pairwise; x dies after op 0 so z may reuse it: at most 3 x 64 bytes.
  EXPECT_GT(model->arena_bytes(), 0u);
  EXPECT_LE(model->arena_bytes(), 192u);
}

TEST(ModelLoader, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> full = build_model();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    Status status = load_status(cut);
    ASSERT_FALSE(status.is_ok()) << "truncated at " << n << " bytes loaded";
    EXPECT_NE(status.message()[0], '\0');
  }
}

TEST(ModelLoader, RejectsWrongIdentifier) {
  std::vector<uint8_t> bytes = build_model();
  std::memcpy(bytes.data() + 8, "GGUF", 4);
  expect_error(load_status(bytes), StatusCode::kBadIdentifier, "not a nibble model");
}

TEST(ModelLoader, RejectsNewerFormatVersion) {
  Knobs k;
  k.format_version = 2;
  expect_error(load_status(build_model(k)), StatusCode::kUnsupportedVersion, "version 2");
}

TEST(ModelLoader, RejectsTensorIndexOutOfRange) {
  Knobs k;
  k.linear_inputs = {0, 99, 2};
  expect_error(load_status(build_model(k)), StatusCode::kOutOfRange, "'fc'");
}

TEST(ModelLoader, RejectsGraphOutputIndexOutOfRange) {
  Knobs k;
  k.graph_outputs = {-1};
  expect_error(load_status(build_model(k)), StatusCode::kOutOfRange, "graph output");
}

TEST(ModelLoader, RejectsSegmentBeyondTheFile) {
  Knobs k;
  k.override_segment0 = true;
  k.segment0_offset = 1 << 20;
  k.segment0_size = 48;
  expect_error(load_status(build_model(k)), StatusCode::kOutOfRange, "segment 0");
}

TEST(ModelLoader, RejectsSegmentWhoseOffsetPlusSizeWraps) {
  Knobs k;
  k.override_segment0 = true;
  k.segment0_offset = std::numeric_limits<uint64_t>::max() - 63;  // 64-aligned
  k.segment0_size = 128;
  expect_error(load_status(build_model(k)), StatusCode::kOutOfRange, "segment 0");
}

TEST(ModelLoader, RejectsMisalignedSegment) {
  Knobs k;
  k.override_segment0 = true;
  k.segment0_offset = 4;
  k.segment0_size = 48;
  expect_error(load_status(build_model(k)), StatusCode::kMisaligned, "segment 0");
}

TEST(ModelLoader, RejectsSegmentSizeNotMatchingShape) {
  Knobs k;
  k.override_segment0 = true;
  k.segment0_offset = 0;
  k.segment0_size = 44;
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "'w'");
}

TEST(ModelLoader, RejectsElementCountOverflowQuickly) {
  Knobs k;
  k.x_shape = {int64_t{1} << 40, int64_t{1} << 40};
  const auto start = std::chrono::steady_clock::now();
  expect_error(load_status(build_model(k)), StatusCode::kOverflow, "'x'");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(ModelLoader, RejectsTwoToTheSixtyThreeElements) {
  Knobs k;
  k.x_shape = {int64_t{1} << 62, 2};
  expect_error(load_status(build_model(k)), StatusCode::kOverflow, "'x'");
}

TEST(ModelLoader, RejectsNegativeDimension) {
  Knobs k;
  k.x_shape = {1, -4};
  expect_error(load_status(build_model(k)), StatusCode::kOverflow, "'x'");
}

TEST(ModelLoader, RejectsRankAboveTheLimit) {
  Knobs k;
  k.x_shape = {1, 1, 1, 1, 1, 1, 4};
  expect_error(load_status(build_model(k)), StatusCode::kOutOfRange, "rank 7");
}

TEST(ModelLoader, RejectsUnknownOpCode) {
  Knobs k;
  k.linear_opcode = 999;
  expect_error(load_status(build_model(k)), StatusCode::kUnsupported, "op code 999");
}

TEST(ModelLoader, RejectsWrongArity) {
  Knobs k;
  k.clamp_inputs = {3, 3};
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "'relu6' has 2 inputs");
}

TEST(ModelLoader, RejectsNonConstantWeights) {
  Knobs k;
  k.linear_inputs = {0, 0, 2};
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "must be a constant");
}

TEST(ModelLoader, RejectsUseBeforeDefinition) {
  Knobs k;
  k.swap_ops = true;
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "before any op writes it");
}

TEST(ModelLoader, RejectsOverlappingMemoryPlan) {
  Knobs k;
  k.overlap_plan = true;
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "overlap");
}

TEST(ModelLoader, RejectsAMemoryPlanSpanningPastItsTensors) {
  // The session would size its arena to 1 TiB for 192 bytes of tensors.
  Knobs k;
  k.far_plan = true;
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "tensor 4 at offset 1099511627776 ends past all");
}

TEST(ModelLoader, RejectsNanClamp) {
  Knobs k;
  k.clamp_min = std::nanf("");
  expect_error(load_status(build_model(k)), StatusCode::kMalformed, "'relu6'");
}

TEST(ModelLoader, SessionRejectsWrongOutputShape) {
  Knobs k;
  k.y_shape = {1, 5};
  // The loader cannot know LINEAR's output shape rule; the op check does.
  Status status = session_status(build_model(k));
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(std::strstr(status.message(), "fc"), nullptr) << status.message();
}

TEST(ModelLoader, RejectsMisalignedBuffer) {
  const std::vector<uint8_t> bytes = build_model();
  AlignedImage image = aligned_copy(std::vector<uint8_t>(bytes.size() + 64));
  for (size_t shift = 1; shift < 64; shift += 7) {
    std::memcpy(image.data() + shift, bytes.data(), bytes.size());
    Result<Model> model = Model::from_buffer(image.data() + shift, bytes.size());
    ASSERT_FALSE(model.is_ok());
    EXPECT_EQ(model.status().code(), StatusCode::kMisaligned);
  }
}

TEST(ModelLoader, FileErrorsNameThePath) {
  Result<Model> missing = Model::load_file("/nonexistent/model.nbl");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(std::strstr(missing.status().message(), "/nonexistent/model.nbl"), nullptr);

  const std::string path = testing::process_temp_path("truncated.nbl");
  const std::vector<uint8_t> bytes = build_model();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 40);
  Result<Model> truncated = Model::load_file(path.c_str());
  ASSERT_FALSE(truncated.is_ok());
  EXPECT_NE(std::strstr(truncated.status().message(), path.c_str()), nullptr);
  std::remove(path.c_str());
}

TEST(CApi, ReportsStatusAndMessage) {
  std::vector<uint8_t> bytes = build_model();
  std::memcpy(bytes.data() + 8, "XXXX", 4);
  AlignedImage image = aligned_copy(bytes);
  nibble_model* model = nullptr;
  nibble_error error;
  EXPECT_EQ(nibble_model_load_buffer(image.data(), image.size, &model, &error), NIBBLE_BAD_IDENTIFIER);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(error.status, NIBBLE_BAD_IDENTIFIER);
  EXPECT_NE(std::strstr(error.message, "not a nibble model"), nullptr);
  EXPECT_STREQ(nibble_status_string(NIBBLE_BAD_IDENTIFIER), "bad identifier");
}

TEST(CApi, RunsTheValidModel) {
  AlignedImage image = aligned_copy(build_model());
  nibble_model* model = nullptr;
  ASSERT_EQ(nibble_model_load_buffer(image.data(), image.size, &model, nullptr), NIBBLE_OK);
  nibble_tensor_info info;
  ASSERT_EQ(nibble_model_input_info(model, 0, &info), NIBBLE_OK);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[1], 4);
  nibble_session_options options;
  nibble_session_options_init(&options);
  EXPECT_EQ(options.kernel_isa, nullptr);
  EXPECT_EQ(options.activation_precision, NIBBLE_ACTIVATIONS_F32);
  nibble_session* session = nullptr;
  // The appended options reach the session: a bad level is refused.
  options.kernel_isa = "avx1024";
  nibble_error error;
  EXPECT_EQ(nibble_session_create(model, &options, &session, &error), NIBBLE_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(error.message, "avx1024"), nullptr) << error.message;
  options.kernel_isa = "scalar";
  options.activation_precision = NIBBLE_ACTIVATIONS_INT8;
  ASSERT_EQ(nibble_session_create(model, &options, &session, nullptr), NIBBLE_OK);
  float* x = nibble_session_input(session, 0);
  for (int i = 0; i < 4; ++i) x[i] = static_cast<float>(i + 1);
  ASSERT_EQ(nibble_session_run(session, nullptr), NIBBLE_OK);
  EXPECT_FLOAT_EQ(nibble_session_output(session, 0)[0], 6.0f);
  EXPECT_FLOAT_EQ(nibble_session_output(session, 0)[1], 0.0f);
  nibble_session_free(session);
  nibble_model_free(model);
}

TEST(ModelLoader, AcceptsAValidEmbeddedTokenizer) {
  Knobs k;
  k.write_tokenizer = true;
  k.tokenizer = testing::byte_level_tokenizer();
  Status status = load_status(build_model(k));
  EXPECT_TRUE(status.is_ok()) << status.message();
}

// The full rule set has its own tests (tests/tokenizer); here: the loader
// runs it, so a file with a broken vocabulary does not load at all.
TEST(ModelLoader, RejectsAMalformedTokenizerTable) {
  Knobs k;
  k.write_tokenizer = true;
  k.tokenizer = testing::byte_level_tokenizer();
  k.tokenizer.merge_results = {257, 257};  // "a" + "b" is not "abc"
  Status status = load_status(build_model(k));
  EXPECT_EQ(status.code(), StatusCode::kMalformed);
  EXPECT_NE(std::strstr(status.message(), "tokenizer merge 0"), nullptr) << status.message();

  k.tokenizer = testing::byte_level_tokenizer();
  k.tokenizer.token_offsets.pop_back();  // the last token now runs past the offsets
  status = load_status(build_model(k));
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_NE(std::strstr(status.message(), "token_offsets end"), nullptr) << status.message();
}

}  // namespace
}  // namespace nibble
