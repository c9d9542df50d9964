// Picks the next token from a row of logits: greedy (temperature 0), or
// sampling with temperature, top-k and top-p (nucleus), from a seeded
// generator so a run can be repeated exactly.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace nibble::examples {

struct SamplerOptions {
  float temperature = 0.0f;  // 0: greedy (argmax, first index on ties)
  int top_k = 0;             // 0: no limit
  float top_p = 1.0f;        // 1: no limit
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options) : options_(options), rng_(options.seed) {}

  int32_t next(const float* logits, size_t vocab);

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused between calls
};

// Index of the largest logit (the first one on ties, like torch.argmax).
int32_t argmax(const float* logits, size_t n);

}  // namespace nibble::examples
