// Rounding (codec/rounding.h): nearest is ties to even; stochastic
// rounding is unbiased and reproducible from its seed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/rounding.h"

namespace nibble::codec {
namespace {

TEST(Rounding, NearestIsTiesToEven) {
  Rounder nearest;
  const struct {
    float x, rounded;
  } cases[] = {{0.5f, 0.0f},   {1.5f, 2.0f},   {2.5f, 2.0f},  {3.5f, 4.0f},  {-0.5f, -0.0f},
               {-1.5f, -2.0f}, {-2.5f, -2.0f}, {0.49f, 0.0f}, {0.51f, 1.0f}, {-2.7f, -3.0f}};
  for (const auto& c : cases) {
    EXPECT_EQ(round_with(nullptr, c.x), c.rounded) << c.x;
    EXPECT_EQ(nearest.round(c.x), c.rounded) << c.x;
  }
  EXPECT_EQ(nearest.mode(), RoundingMode::kNearestEven);
}

TEST(Rounding, StochasticIsUnbiased) {
  // 100000 draws: the standard error of the mean is at most
  // 0.5 / sqrt(1e5) = 0.0016, so a tolerance of 0.01 is over 6 sigma.
  const int draws = 100000;
  for (float x : {0.3f, 2.75f, -1.2f}) {
    Rounder rounder(RoundingMode::kStochastic, 2024);
    double sum = 0;
    for (int i = 0; i < draws; ++i) {
      const float r = rounder.round(x);
      ASSERT_TRUE(r == std::floor(x) || r == std::floor(x) + 1.0f) << x << " -> " << r;
      sum += r;
    }
    EXPECT_NEAR(sum / draws, x, 0.01) << x;
  }
}

TEST(Rounding, SameSeedSameSequence) {
  Rounder a(RoundingMode::kStochastic, 77);
  Rounder b(RoundingMode::kStochastic, 77);
  Rounder c(RoundingMode::kStochastic, 78);
  std::vector<float> from_a, from_b, from_c;
  for (int i = 0; i < 1000; ++i) {
    from_a.push_back(a.round(0.5f));
    from_b.push_back(b.round(0.5f));
    from_c.push_back(c.round(0.5f));
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST(Rounding, UniformIsInUnitInterval) {
  Rounder rounder(RoundingMode::kStochastic, 1);
  double sum = 0;
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) {
    const float u = rounder.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  // Standard error 0.29 / sqrt(1e5) = 0.0009.
  EXPECT_NEAR(sum / draws, 0.5, 0.01);
}

}  // namespace
}  // namespace nibble::codec
