// Test harness for the XNNPACK backend: runs one BoundOp through the
// reference (ref::run_op) and through XNNPACK with no thread pool and with
// pthreadpool_create(1) and (2), and compares elementwise with
// |xnn - ref| <= atol + rtol * |ref|.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "backend/xnnpack/xnnpack_backend.h"
#include "ops/op_params.h"

namespace nibble::xnnpack::testing {

struct Tolerance {
  double atol;
  double rtol;
};

// Per-op tolerances (see the report in the test files' headers).
constexpr Tolerance kExact{0.0, 0.0};
constexpr Tolerance kElementwise{1e-5, 1e-5};
constexpr Tolerance kGemm{1e-4, 1e-4};  // conv / linear: summation order differs
constexpr Tolerance kSoftmax{1e-6, 1e-5};

// An op plus owned input data. op's data pointers are bound by the harness.
struct OpCase {
  BoundOp op{};
  std::vector<std::vector<float>> inputs;
  // >= 0: the output aliases this input (in-place elementwise op).
  int in_place_input = -1;
};

TensorView shape(std::initializer_list<int64_t> dims);

std::vector<float> random_data(std::mt19937& rng, int64_t count, float lo = -1.0f,
                               float hi = 1.0f);
// Magnitude in [lo, hi] with a random sign: safe divisors.
std::vector<float> random_away_from_zero(std::mt19937& rng, int64_t count, float lo, float hi);

// Sets op.inputs[i]'s shape and random data in [-1, 1].
void add_input(OpCase& c, const TensorView& shape, std::mt19937& rng);
void add_input(OpCase& c, const TensorView& shape, std::vector<float> data);

// Asserts ref::check_op and xnnpack::supports accept the op, then compares
// XNNPACK with the reference for each pool; each XNNPACK op is run twice
// (results must not change) unless in place.
void expect_matches_reference(const OpCase& c, Tolerance tol);

// Asserts ref::check_op accepts the op (it is valid), supports() is false,
// and create() returns kUnsupported naming op.name with *out null.
void expect_unsupported(const OpCase& c);

// Binds c's inputs (copied into `storage`) and `output` into a BoundOp.
BoundOp bind_op(const OpCase& c, std::vector<std::vector<float>>& storage,
             std::vector<float>& output);

Activation no_activation();
Activation relu();
Activation relu6();

}  // namespace nibble::xnnpack::testing
