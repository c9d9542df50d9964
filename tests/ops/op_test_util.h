// Helpers for the reference-op tests: tensors owned by the test, BoundOp
// construction, and check-then-run.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ops/reference/reference_ops.h"

namespace nibble::test {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Buf {
  std::vector<int64_t> dims;
  std::vector<float> data;
};

inline int64_t count_of(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// A tensor with the given values, or zeros if `values` is empty.
inline Buf tensor(std::vector<int64_t> dims, std::vector<float> values = {}) {
  Buf b;
  b.dims = std::move(dims);
  if (values.empty()) values.assign(static_cast<size_t>(count_of(b.dims)), 0.0f);
  EXPECT_EQ(static_cast<int64_t>(values.size()), count_of(b.dims));
  b.data = std::move(values);
  return b;
}

// 0, 1, 2, ... (or start, start+1, ...)
inline Buf iota(std::vector<int64_t> dims, float start = 0.0f) {
  std::vector<float> v(static_cast<size_t>(count_of(dims)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return tensor(std::move(dims), std::move(v));
}

inline TensorView view(Buf& b) {
  TensorView v;
  v.data = b.data.data();
  v.rank = static_cast<int32_t>(b.dims.size());
  for (size_t i = 0; i < b.dims.size() && i < static_cast<size_t>(kMaxRank); ++i) v.dims[i] = b.dims[i];
  return v;
}

inline Activation no_activation() { return Activation{-kInf, kInf}; }

inline BoundOp make_op(OpCode code, std::vector<Buf*> inputs, Buf* output, const char* name = "test_op") {
  BoundOp op;
  std::memset(&op.params, 0, sizeof(op.params));
  op.params.code = code;
  op.name = name;
  op.num_inputs = static_cast<int32_t>(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) op.inputs[i] = view(*inputs[i]);
  op.num_outputs = 1;
  op.outputs[0] = view(*output);
  return op;
}

inline Window2d window(int32_t kh, int32_t kw, int32_t sh = 1, int32_t sw = 1, int32_t dh = 1, int32_t dw = 1,
                       int32_t pad_top = 0, int32_t pad_left = 0, int32_t pad_bottom = 0,
                       int32_t pad_right = 0) {
  Window2d w;
  w.kernel_h = kh;
  w.kernel_w = kw;
  w.stride_h = sh;
  w.stride_w = sw;
  w.dilation_h = dh;
  w.dilation_w = dw;
  w.pad_top = pad_top;
  w.pad_left = pad_left;
  w.pad_bottom = pad_bottom;
  w.pad_right = pad_right;
  return w;
}

// check_op must pass; then run_op.
#define NIBBLE_CHECK_AND_RUN(op)                                        \
  do {                                                                  \
    ::nibble::Status s_ = ::nibble::ref::check_op(op);                 \
    ASSERT_TRUE(s_.is_ok()) << s_.message();                           \
    ::nibble::ref::run_op(op);                                          \
  } while (0)

// check_op must fail with `code`, and the message must name the op.
#define NIBBLE_EXPECT_REJECTED(op, status_code)                                      \
  do {                                                                               \
    ::nibble::Status s_ = ::nibble::ref::check_op(op);                              \
    EXPECT_FALSE(s_.is_ok());                                                        \
    EXPECT_EQ(s_.code(), ::nibble::StatusCode::status_code) << s_.message();         \
    EXPECT_NE(std::string(s_.message()).find((op).name), std::string::npos)          \
        << s_.message();                                                             \
  } while (0)

inline void expect_values(const Buf& actual, const std::vector<float>& expected, float tol = 0.0f) {
  ASSERT_EQ(actual.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (tol == 0.0f) {
      EXPECT_EQ(actual.data[i], expected[i]) << "at flat index " << i;
    } else {
      EXPECT_NEAR(actual.data[i], expected[i], tol) << "at flat index " << i;
    }
  }
}

}  // namespace nibble::test
