// The models the hardening sweeps corrupt: the small builder models
// (tests/runtime builders) and the converted fixtures (ResNet-20 in f32
// and q4_0, GPT-2 in q4_0 with 8 tokens per run). Each test process
// builds or converts only the model it sweeps.
#pragma once

#include <string>
#include <vector>

namespace nibble::testing {

// Ids accepted by sweep_model_bytes.
inline const char* const kSweepModels[] = {"builder_linear", "builder_q4_0", "builder_lut3", "resnet20_f32",
                                           "resnet20_q4_0",  "gpt2_q4_0"};

// The .nbl image of model `id`; empty (with a gtest failure) if it cannot
// be made.
std::vector<uint8_t> sweep_model_bytes(const std::string& id);

}  // namespace nibble::testing
