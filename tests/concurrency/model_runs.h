// Runs of the shipped fixtures that the concurrency tests compare byte for
// byte: ResNet-20 logits over a few CIFAR-10 images, GPT-2 logits of a
// short prompt followed by greedy decode steps through the key/value cache.
#pragma once

#include <vector>

#include "nibble/nibble.hpp"

namespace nibble::testing {

// Few images / tokens: the point is equality, not accuracy, and the same
// binary runs under TSan (~10x) and qemu-aarch64 (~100x). Fewer under
// emulation.
#if defined(__aarch64__)
constexpr int kResnetImages = 1;
constexpr int kGpt2DecodeSteps = 1;
#else
constexpr int kResnetImages = 2;
constexpr int kGpt2DecodeSteps = 2;
#endif

// A new session on `model` with `options`, then every image's 10 logits.
// Failures are gtest failures and give an empty vector.
std::vector<float> resnet_logits(const Model& model, const SessionOptions& options);

// A new session on `model`, an 8-token prompt, then kGpt2DecodeSteps greedy
// steps: every logit of every run, in order.
std::vector<float> gpt2_logits(const Model& model, const SessionOptions& options);

}  // namespace nibble::testing
