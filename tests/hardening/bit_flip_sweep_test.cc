// Every single-bit flip of the first 64 KiB of each fixture model (the
// size prefix, the FlatBuffer with its tensor, op and tokenizer tables,
// and the first weights): the load returns a status; when it loads, the
// sessions (reference and default backends) return a status; when they
// are created, one run() completes. Numbers may be garbage; nothing may
// crash or trip a sanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "nibble/nibble.hpp"
#include "sweep_models.h"
#include "sweep_support.h"

namespace nibble {
namespace {

using testing::Outcomes;

constexpr uint64_t kSweptBytes = 64 * 1024;

struct FlipShard {
  const char* model;
  int shard;
  int shards;
  // Loads are cheap and every flip is loaded; creating two sessions and
  // running them costs 0.1-10 ms on the fixtures, so of the flips that
  // load, every session_every-th (a fixed, deterministic sample) goes on
  // to sessions and a run. Measured figures: docs/HARDENING.md.
  int session_every;
  // Bits between two flips (before NIBBLE_SWEEP_STRIDE multiplies it).
  // 1 everywhere but GPT-2: each of its loads checks the fp16 scale of
  // all ~100k q4_0 blocks (~0.5 ms), so its 524,288 flips would take
  // ~290 s; every 29th bit (prime: every bit position of a byte is hit)
  // keeps each of its four shards to a few seconds.
  uint64_t stride;
};

// An even stride would flip the same bit positions of every byte (8: only
// bit 0); an odd one walks through all eight.
uint64_t flip_stride(uint64_t base) {
  const uint64_t stride = base * testing::sweep_stride();
  return stride % 2 == 0 ? stride + 1 : stride;
}

class BitFlipSweep : public ::testing::TestWithParam<FlipShard> {};

TEST_P(BitFlipSweep, EveryFlipReturnsAStatus) {
  const FlipShard& p = GetParam();
  const std::vector<uint8_t> bytes = testing::sweep_model_bytes(p.model);
  ASSERT_FALSE(bytes.empty());
  testing::ExactBuffer image(bytes.size());
  std::memcpy(image.data(), bytes.data(), bytes.size());
  Outcomes baseline;
  ASSERT_TRUE(testing::exercise(image.data(), bytes.size(), /*sessions=*/true, &baseline));
  ASSERT_EQ(baseline.runs, 2u) << "the unflipped model must run on both backends";

  const uint64_t bits = 8 * std::min<uint64_t>(kSweptBytes, bytes.size());
  const uint64_t begin = bits * p.shard / p.shards, end = bits * (p.shard + 1) / p.shards;
  const uint64_t stride = flip_stride(p.stride);
  Outcomes flips;
  uint64_t loaded_so_far = 0;
  for (uint64_t bit = begin; bit < end; bit += stride) {
    uint8_t* byte = image.data() + bit / 8;
    const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
    *byte ^= mask;
    // Whether this flip goes on to sessions is decided before loading, from
    // the count of earlier flips that loaded: deterministic.
    const bool sessions = loaded_so_far % p.session_every == 0;
    if (testing::exercise(image.data(), bytes.size(), sessions, &flips)) ++loaded_so_far;
    *byte ^= mask;
  }
  EXPECT_EQ(flips.attempts, (end - begin + stride - 1) / stride);
  EXPECT_EQ(std::memcmp(image.data(), bytes.data(), bytes.size()), 0);
  std::printf("%s bits [%llu, %llu) stride %llu: %llu flips, %llu loaded, %llu sessions, %llu runs ok\n", p.model,
              static_cast<unsigned long long>(begin), static_cast<unsigned long long>(end),
              static_cast<unsigned long long>(stride), static_cast<unsigned long long>(flips.attempts),
              static_cast<unsigned long long>(flips.loaded), static_cast<unsigned long long>(flips.sessions),
              static_cast<unsigned long long>(flips.runs));
}

const FlipShard kShards[] = {
    {"builder_linear", 0, 1, 1, 1},
    {"builder_q4_0", 0, 1, 1, 1},
    {"builder_lut3", 0, 1, 1, 1},
    {"resnet20_f32", 0, 4, 500, 1},
    {"resnet20_f32", 1, 4, 500, 1},
    {"resnet20_f32", 2, 4, 500, 1},
    {"resnet20_f32", 3, 4, 500, 1},
    {"resnet20_q4_0", 0, 4, 500, 1},
    {"resnet20_q4_0", 1, 4, 500, 1},
    {"resnet20_q4_0", 2, 4, 500, 1},
    {"resnet20_q4_0", 3, 4, 500, 1},
    {"gpt2_q4_0", 0, 4, 25, 29},
    {"gpt2_q4_0", 1, 4, 25, 29},
    {"gpt2_q4_0", 2, 4, 25, 29},
    {"gpt2_q4_0", 3, 4, 25, 29},
};

INSTANTIATE_TEST_SUITE_P(Models, BitFlipSweep, ::testing::ValuesIn(kShards),
                         [](const ::testing::TestParamInfo<FlipShard>& info) {
                           return std::string(info.param.model) + "_shard" + std::to_string(info.param.shard);
                         });

}  // namespace
}  // namespace nibble
