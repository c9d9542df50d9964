// Sequence models (a token axis whose length is set per run): the rows a
// run processes, the graph rules the loader enforces for them, and the
// input/position API, on the test model x -> LINEAR -> CLAMP with every
// activation a sequence tensor of up to 4 rows.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "nibble/nibble.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

namespace nibble {
namespace {

using testing::aligned_copy;
using testing::AlignedImage;
using testing::build_model;
using testing::Knobs;

Knobs sequence_knobs() {
  Knobs k;
  k.x_shape = {4, 4};
  k.y_shape = {4, 3};
  k.sequence = {true, false, false, true, true};
  k.write_plan = false;
  return k;
}

// clamp(b + W x, 0, 6) with the builder's w[i][c] = i + 0.5 c, b = {1, -20, 0.25}.
std::vector<float> expected_rows(const std::vector<float>& x, int rows) {
  const float bias[3] = {1.0f, -20.0f, 0.25f};
  std::vector<float> y;
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < 3; ++i) {
      float acc = 0;
      for (int c = 0; c < 4; ++c) acc += (i + 0.5f * c) * x[r * 4 + c];
      acc += bias[i];
      y.push_back(acc < 0 ? 0 : (acc > 6 ? 6 : acc));
    }
  }
  return y;
}

Status load_status(const Knobs& k) {
  AlignedImage image = aligned_copy(build_model(k));
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  return model.is_ok() ? Status::ok() : model.status();
}

void expect_error(const Status& status, StatusCode code, const char* fragment) {
  EXPECT_EQ(status.code(), code) << status.message();
  EXPECT_NE(std::strstr(status.message(), fragment), nullptr) << status.message();
}

TEST(Sequence, RunsTheRowsSetPerRunOnEveryBackend) {
  AlignedImage image = aligned_copy(build_model(sequence_knobs()));
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  EXPECT_EQ(model->max_sequence_length(), 4);
  EXPECT_TRUE(model->input(0).sequence);
  EXPECT_EQ(model->input(0).type, ElementType::kF32);
  const std::vector<float> x = {0.1f, 0.2f, 0.3f, 0.4f, 1, 0, -1, 2, -0.5f, 0.5f, 0.25f, 0.75f, 3, 1, 0, 0};
  for (Backend backend : {Backend::kReference, Backend::kDefault}) {
    SessionOptions options;
    options.backend = backend;
    Result<Session> session = Session::create(model.value(), options);
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    EXPECT_EQ(session->sequence_length(), 4);
    // LINEAR follows row changes on XNNPACK (set up again); CLAMP cannot,
    // so it runs on the reference.
    EXPECT_STREQ(session->op_backend(0), backend == Backend::kDefault ? "xnnpack" : "reference");
    EXPECT_STREQ(session->op_backend(1), "reference");
    for (int rows : {2, 1, 4, 3, 1}) {
      ASSERT_TRUE(session->set_input(0, x.data(), rows * 4).is_ok());
      EXPECT_EQ(session->sequence_length(), rows);
      ASSERT_TRUE(session->run().is_ok());
      const std::vector<float> want = expected_rows(x, rows);
      for (int i = 0; i < rows * 3; ++i) {
        EXPECT_FLOAT_EQ(session->output_data(0)[i], want[i]) << backend_name(backend) << " rows " << rows;
      }
    }
    // Stateless: nothing to hold, nothing limits positions.
    EXPECT_EQ(session->position(), 0);
    EXPECT_EQ(session->max_positions(), INT64_MAX);
  }
}

TEST(Sequence, RejectsRowCountsOutsideTheMaximum) {
  AlignedImage image = aligned_copy(build_model(sequence_knobs()));
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok());
  Result<Session> session = Session::create(model.value());
  ASSERT_TRUE(session.is_ok());
  const std::vector<float> x(24, 1.0f);
  expect_error(session->set_input(0, x.data(), 20), StatusCode::kInvalidArgument, "takes 1 to 4 rows of 4 floats");
  expect_error(session->set_input(0, x.data(), 6), StatusCode::kInvalidArgument, "rows of 4");
  expect_error(session->set_input(0, x.data(), 0), StatusCode::kInvalidArgument, "rows of 4");
  expect_error(session->set_sequence_length(0), StatusCode::kInvalidArgument, "outside 1..4");
  expect_error(session->set_sequence_length(5), StatusCode::kInvalidArgument, "outside 1..4");
  const int32_t ids[4] = {0, 1, 2, 3};
  expect_error(session->set_input_ids(0, ids, 4), StatusCode::kInvalidArgument, "takes floats");
  EXPECT_EQ(session->sequence_length(), 4);  // failures change nothing
}

TEST(Sequence, StaticModelsHaveNoSequenceAxis) {
  AlignedImage image = aligned_copy(build_model());
  Result<Model> model = Model::from_buffer(image.data(), image.size);
  ASSERT_TRUE(model.is_ok());
  EXPECT_EQ(model->max_sequence_length(), 0);
  Result<Session> session = Session::create(model.value());
  ASSERT_TRUE(session.is_ok());
  expect_error(session->set_sequence_length(1), StatusCode::kInvalidArgument, "no sequence axis");
}

TEST(Sequence, LoaderEnforcesTheGraphRules) {
  Knobs k = sequence_knobs();
  k.sequence = {true, false, false, false, true};  // LINEAR: x has the axis, y not
  expect_error(load_status(k), StatusCode::kMalformed, "must both have a sequence axis or neither");
  k = sequence_knobs();
  k.sequence = {true, true, false, true, true};  // a constant cannot have it
  expect_error(load_status(k), StatusCode::kMalformed, "only activations of rank >= 1");
  k = sequence_knobs();
  k.x_int32 = true;  // I32 may only feed EMBEDDING
  expect_error(load_status(k), StatusCode::kMalformed, "is I32, expected F32");
  k = sequence_knobs();
  k.x_shape = {3, 4};  // sequence maxima differ: x 3, y and z 4
  k.y_shape = {4, 3};
  EXPECT_FALSE(load_status(k).is_ok());
}

TEST(Sequence, CApiSetsRowsAndReportsTheAxis) {
  AlignedImage image = aligned_copy(build_model(sequence_knobs()));
  nibble_model* model = nullptr;
  nibble_error error;
  ASSERT_EQ(nibble_model_load_buffer(image.data(), image.size, &model, &error), NIBBLE_OK) << error.message;
  EXPECT_EQ(nibble_model_max_sequence_length(model), 4);
  nibble_tensor_info info;
  ASSERT_EQ(nibble_model_input_info(model, 0, &info), NIBBLE_OK);
  EXPECT_EQ(info.sequence, 1);
  EXPECT_EQ(info.element_type, NIBBLE_F32);
  nibble_session* session = nullptr;
  ASSERT_EQ(nibble_session_create(model, nullptr, &session, &error), NIBBLE_OK) << error.message;
  const std::vector<float> x = {1, 2, 3, 4, 0, 0, 0, 0};
  ASSERT_EQ(nibble_session_set_input(session, 0, x.data(), 8, &error), NIBBLE_OK) << error.message;
  EXPECT_EQ(nibble_session_sequence_length(session), 2);
  ASSERT_EQ(nibble_session_run(session, &error), NIBBLE_OK) << error.message;
  const std::vector<float> want = expected_rows(x, 2);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(nibble_session_output(session, 0)[i], want[i]);
  EXPECT_EQ(nibble_session_set_sequence_length(session, 9, &error), NIBBLE_INVALID_ARGUMENT);
  EXPECT_EQ(nibble_session_position(session), 0);
  nibble_session_reset(session);
  nibble_session_free(session);
  nibble_model_free(model);
}

}  // namespace
}  // namespace nibble
