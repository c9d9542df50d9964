// The scalar level is the reference LINEAR op's arithmetic: on the same
// encoded weights it gives the bits of ref::conv2d_nhwc as a 1x1
// convolution (what run_linear calls), for every format, so swapping the
// reference Linear for gemv() at batch 1 on the scalar level changes no
// result.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "gemv_cases.h"
#include "ops/reference/op_checks.h"

namespace nibble::gemv {
namespace {

using namespace testing_support;

TEST(GemvReference, ScalarLevelIsTheReferenceLinearBitForBit) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const FormatCase& f : kFormats) {
    for (int64_t cols : {int64_t{19}, int64_t{600}, int64_t{1500}}) {  // 1500: past the reference's 512-column chunks
      const int64_t rows = 21;                                         // past its 16-channel blocks
      const Encoded e = encode_case(f, rows, cols, static_cast<uint32_t>(cols + 3));
      const codec::PackedWeights w = e.packed();
      const std::vector<float> x = random_vector(cols, 31);
      const std::vector<float> bias = random_vector(rows, 32);
      ref::ConvGeometry g{};
      g.batch = 1;
      g.in_h = g.in_w = g.out_h = g.out_w = 1;
      g.in_c = cols;
      g.out_c = rows;
      g.kernel_h = g.kernel_w = g.stride_h = g.stride_w = g.dilation_h = g.dilation_w = 1;
      g.groups = 1;
      const ref::WeightRows weight_rows{nullptr, &w, cols};
      std::vector<float> expected(rows), y(rows);
      ref::conv2d_nhwc(g, x.data(), weight_rows, bias.data(), expected.data(), Activation{-inf, inf});
      ASSERT_TRUE(gemv_on(Isa::kScalar, w, x.data(), bias.data(), y.data(), 0, rows));
      ASSERT_EQ(std::memcmp(y.data(), expected.data(), sizeof(float) * rows), 0) << f.name << ", K = " << cols;
    }
  }
}

}  // namespace
}  // namespace nibble::gemv
