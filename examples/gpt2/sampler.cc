#include "gpt2/sampler.h"

#include <algorithm>
#include <cmath>

namespace nibble::examples {

int32_t argmax(const float* logits, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

int32_t Sampler::next(const float* logits, size_t vocab) {
  if (options_.temperature <= 0.0f || options_.top_k == 1) return argmax(logits, vocab);
  candidates_.clear();
  for (size_t i = 0; i < vocab; ++i) candidates_.emplace_back(logits[i], static_cast<int32_t>(i));
  // Highest logits first; ties by lower id, so the order is deterministic.
  auto by_logit = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  size_t keep = candidates_.size();
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < keep) {
    keep = static_cast<size_t>(options_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(), by_logit);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  candidates_.resize(keep);
  // Softmax of logits / temperature over the kept tokens, in double.
  std::vector<double> probs(keep);
  const double max_logit = candidates_[0].first;
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) {
    probs[i] = std::exp((candidates_[i].first - max_logit) / options_.temperature);
    sum += probs[i];
  }
  // Nucleus: the smallest prefix whose probability reaches top_p.
  if (options_.top_p < 1.0f) {
    double mass = 0;
    size_t n = 0;
    while (n < keep) {
      mass += probs[n] / sum;
      ++n;
      if (mass >= options_.top_p) break;
    }
    keep = n;
    sum = 0;
    for (size_t i = 0; i < keep; ++i) sum += probs[i];
  }
  const double r = std::uniform_real_distribution<double>(0.0, sum)(rng_);
  double acc = 0;
  for (size_t i = 0; i < keep; ++i) {
    acc += probs[i];
    if (r < acc) return candidates_[i].second;
  }
  return candidates_[keep - 1].second;
}

}  // namespace nibble::examples
