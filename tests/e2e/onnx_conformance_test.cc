// ONNX's own node test cases (Debian's libonnx-testdata) through the whole
// pipeline: convert, load, run with each backend, compare with the
// expected output. Inputs after the first `runtime_inputs` ones (weights,
// shapes, pads, slice bounds, clip limits) are bound as constants, since
// nibble's graphs are static.
//
// The second table lists cases the converter must refuse with a clear
// error (never a wrong answer).
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "nibble/nibble.hpp"
#include "support/temp_path.h"

namespace nibble {
namespace {

const std::string kNodeDir = NIBBLE_ONNX_TESTDATA_DIR;

struct PassCase {
  const char* name;
  int runtime_inputs;  // graph inputs fed at run time; the rest are bound
};

// Every case of the ops nibble supports in libonnx-testdata 1.12.
const PassCase kPassCases[] = {
    {"test_add", 2}, {"test_add_bcast", 2}, {"test_sub", 2}, {"test_sub_bcast", 2}, {"test_sub_example", 2},
    {"test_mul", 2}, {"test_mul_bcast", 2}, {"test_mul_example", 2}, {"test_div", 2}, {"test_div_bcast", 2},
    {"test_div_example", 2}, {"test_relu", 1}, {"test_identity", 1},
    {"test_clip", 1}, {"test_clip_example", 1}, {"test_clip_inbounds", 1}, {"test_clip_outbounds", 1},
    {"test_clip_splitbounds", 1}, {"test_clip_default_min", 1}, {"test_clip_default_max", 1},
    {"test_clip_default_inbounds", 1},
    {"test_basic_conv_with_padding", 1}, {"test_basic_conv_without_padding", 1},
    {"test_conv_with_strides_padding", 1}, {"test_conv_with_strides_no_padding", 1},
    {"test_conv_with_strides_and_asymmetric_padding", 1}, {"test_conv_with_autopad_same", 1},
    {"test_gemm_all_attributes", 1}, {"test_gemm_alpha", 1}, {"test_gemm_beta", 1},
    {"test_gemm_default_matrix_bias", 1}, {"test_gemm_default_no_bias", 1}, {"test_gemm_default_scalar_bias", 1},
    {"test_gemm_default_single_elem_vector_bias", 1}, {"test_gemm_default_vector_bias", 1},
    {"test_gemm_default_zero_bias", 1}, {"test_gemm_transposeA", 1}, {"test_gemm_transposeB", 1},
    {"test_matmul_2d", 1},
    {"test_batchnorm_epsilon", 1}, {"test_batchnorm_example", 1},
    {"test_maxpool_2d_default", 1}, {"test_maxpool_2d_pads", 1}, {"test_maxpool_2d_strides", 1},
    {"test_maxpool_2d_dilations", 1}, {"test_maxpool_2d_ceil", 1}, {"test_maxpool_2d_same_upper", 1},
    {"test_maxpool_2d_same_lower", 1}, {"test_maxpool_2d_precomputed_pads", 1},
    {"test_maxpool_2d_precomputed_strides", 1}, {"test_maxpool_2d_precomputed_same_upper", 1},
    {"test_averagepool_2d_default", 1}, {"test_averagepool_2d_pads", 1},
    {"test_averagepool_2d_pads_count_include_pad", 1}, {"test_averagepool_2d_strides", 1},
    {"test_averagepool_2d_same_upper", 1}, {"test_averagepool_2d_same_lower", 1},
    {"test_averagepool_2d_precomputed_pads", 1}, {"test_averagepool_2d_precomputed_pads_count_include_pad", 1},
    {"test_averagepool_2d_precomputed_strides", 1}, {"test_averagepool_2d_precomputed_same_upper", 1},
    {"test_averagepool_2d_ceil", 1},
    {"test_globalaveragepool", 1}, {"test_globalaveragepool_precomputed", 1},
    {"test_reshape_extended_dims", 1}, {"test_reshape_negative_dim", 1}, {"test_reshape_negative_extended_dims", 1},
    {"test_reshape_one_dim", 1}, {"test_reshape_reduced_dims", 1}, {"test_reshape_reordered_all_dims", 1},
    {"test_reshape_reordered_last_dims", 1}, {"test_reshape_zero_and_negative_dim", 1}, {"test_reshape_zero_dim", 1},
    {"test_flatten_axis0", 1}, {"test_flatten_axis1", 1}, {"test_flatten_axis2", 1}, {"test_flatten_axis3", 1},
    {"test_flatten_default_axis", 1}, {"test_flatten_negative_axis1", 1}, {"test_flatten_negative_axis2", 1},
    {"test_flatten_negative_axis3", 1}, {"test_flatten_negative_axis4", 1},
    {"test_constant_pad", 1},
    {"test_slice", 1}, {"test_slice_default_axes", 1}, {"test_slice_default_steps", 1},
    {"test_slice_end_out_of_bounds", 1}, {"test_slice_neg", 1}, {"test_slice_neg_steps", 1},
    {"test_slice_negative_axes", 1},
    {"test_squeeze", 1}, {"test_unsqueeze_axis_0", 1}, {"test_unsqueeze_negative_axes", 1},
    {"test_concat_1d_axis_0", 2}, {"test_concat_1d_axis_negative_1", 2}, {"test_concat_2d_axis_0", 2},
    {"test_concat_2d_axis_1", 2}, {"test_concat_2d_axis_negative_1", 2}, {"test_concat_2d_axis_negative_2", 2},
    {"test_concat_3d_axis_0", 2}, {"test_concat_3d_axis_1", 2}, {"test_concat_3d_axis_2", 2},
    {"test_concat_3d_axis_negative_1", 2}, {"test_concat_3d_axis_negative_2", 2},
    {"test_concat_3d_axis_negative_3", 2},
    {"test_softmax_axis_0", 1}, {"test_softmax_axis_1", 1}, {"test_softmax_axis_2", 1},
    {"test_softmax_default_axis", 1}, {"test_softmax_example", 1}, {"test_softmax_large_number", 1},
    {"test_softmax_negative_axis", 1},
    {"test_transpose_default", 1}, {"test_transpose_all_permutations_0", 1}, {"test_transpose_all_permutations_1", 1},
    {"test_transpose_all_permutations_2", 1}, {"test_transpose_all_permutations_3", 1},
    {"test_transpose_all_permutations_4", 1}, {"test_transpose_all_permutations_5", 1},
};

struct RejectCase {
  const char* name;
  const char* fragment;  // the error message must contain it (op type, dtype)
};

// Unsupported attribute values, ranks, data types and ops. (Edge and
// reflect Pad are supported, but ONNX's only cases for them use int32
// data; the reference op tests and the converter's layout tests cover them.)
const RejectCase kRejectCases[] = {
    {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool"},  // indices output
    {"test_maxpool_3d_default", "MaxPool"},
    {"test_averagepool_3d_default", "AveragePool"},
    {"test_maxpool_1d_default", "MaxPool"},
    {"test_maxpool_2d_uint8", "UINT8"},
    {"test_add_uint8", "UINT8"},
    {"test_edge_pad", "INT32"},
    {"test_reflect_pad", "INT32"},
    {"test_convtranspose", "ConvTranspose"},
    {"test_globalmaxpool", "GlobalMaxPool"},
    {"test_batchnorm_example_training_mode", "BatchNormalization"},
    {"test_slice_start_out_of_bounds", "empty"},  // a zero-size output
};

onnx::TensorProto read_tensor(const std::string& path) {
  onnx::TensorProto t;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in && t.ParseFromIstream(&in)) << path;
  return t;
}

std::vector<float> floats_of(const onnx::TensorProto& t) {
  EXPECT_EQ(t.data_type(), onnx::TensorProto::FLOAT) << t.name();
  std::vector<float> v;
  if (!t.raw_data().empty()) {
    v.resize(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
  } else {
    v.assign(t.float_data().begin(), t.float_data().end());
  }
  return v;
}

// Graph inputs that are not initializers, in order.
std::vector<std::string> graph_input_names(const std::string& model_path) {
  onnx::ModelProto model;
  std::ifstream in(model_path, std::ios::binary);
  EXPECT_TRUE(in && model.ParseFromIstream(&in)) << model_path;
  std::vector<std::string> names;
  for (const auto& input : model.graph().input()) {
    bool is_initializer = false;
    for (const auto& init : model.graph().initializer()) is_initializer |= init.name() == input.name();
    if (!is_initializer) names.push_back(input.name());
  }
  return names;
}

class OnnxNodePass : public ::testing::TestWithParam<PassCase> {};

TEST_P(OnnxNodePass, ConvertsAndMatchesExpectedOutput) {
  const PassCase& c = GetParam();
  const std::string dir = kNodeDir + "/" + c.name;
  const std::string data = dir + "/test_data_set_0";
  const std::vector<std::string> names = graph_input_names(dir + "/model.onnx");
  ASSERT_GE(static_cast<int>(names.size()), c.runtime_inputs);

  convert::ConvertOptions options;
  for (size_t i = c.runtime_inputs; i < names.size(); ++i) {
    options.bind_inputs[names[i]] = data + "/input_" + std::to_string(i) + ".pb";
  }
  const std::string out = testing::process_temp_path(std::string(c.name) + ".nbl");
  try {
    convert::convert_onnx_file(dir + "/model.onnx", out, options);
  } catch (const std::exception& e) {
    FAIL() << "convert: " << e.what();
  }

  Result<Model> model = Model::load_file(out.c_str());
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  ASSERT_EQ(model->num_inputs(), static_cast<size_t>(c.runtime_inputs));
  ASSERT_EQ(model->num_outputs(), 1u);
  const std::vector<float> expected = floats_of(read_tensor(data + "/output_0.pb"));
  ASSERT_EQ(model->output(0).numel, expected.size());

  for (Backend backend : {Backend::kReference, Backend::kDefault}) {
    SessionOptions session_options;
    session_options.backend = backend;
    Result<Session> session = Session::create(model.value(), session_options);
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    for (int i = 0; i < c.runtime_inputs; ++i) {
      const std::vector<float> x = floats_of(read_tensor(data + "/input_" + std::to_string(i) + ".pb"));
      ASSERT_TRUE(session->set_input(i, x.data(), x.size()).is_ok()) << "input " << i;
    }
    ASSERT_TRUE(session->run().is_ok());
    const float* y = session->output_data(0);
    for (size_t k = 0; k < expected.size(); ++k) {
      // ONNX's backend tests compare with rtol 1e-3, atol 1e-7; we are
      // stricter on the relative part and allow float rounding near zero.
      ASSERT_NEAR(y[k], expected[k], 1e-5 + 1e-4 * std::fabs(expected[k]))
          << c.name << " element " << k << " backend " << backend_name(backend);
    }
  }
  std::remove(out.c_str());
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodePass, ::testing::ValuesIn(kPassCases),
                         [](const ::testing::TestParamInfo<PassCase>& info) { return std::string(info.param.name); });

class OnnxNodeReject : public ::testing::TestWithParam<RejectCase> {};

TEST_P(OnnxNodeReject, FailsWithAClearError) {
  const RejectCase& c = GetParam();
  const std::string dir = kNodeDir + "/" + c.name;
  const std::vector<std::string> names = graph_input_names(dir + "/model.onnx");
  convert::ConvertOptions options;
  for (size_t i = 1; i < names.size(); ++i) {
    options.bind_inputs[names[i]] = dir + "/test_data_set_0/input_" + std::to_string(i) + ".pb";
  }
  const std::string out = testing::process_temp_path(std::string(c.name) + ".nbl");
  std::remove(out.c_str());  // a stale file from an earlier run must not count
  try {
    convert::convert_onnx_file(dir + "/model.onnx", out, options);
    FAIL() << c.name << " converted, but nibble cannot run it exactly";
  } catch (const convert::Error& e) {
    EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
  }
  std::ifstream written(out);
  EXPECT_FALSE(written.good()) << "no output file may be left behind";
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodeReject, ::testing::ValuesIn(kRejectCases),
                         [](const ::testing::TestParamInfo<RejectCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nibble
