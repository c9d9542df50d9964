// The quantization pass: picks a codec for every CONV2D/LINEAR weight and
// token EMBEDDING table
// (the user's policy: a default, per-layer overrides by glob, layers kept
// in f32, or a bits-per-weight budget), encodes the weights and reports
// the error of each layer. Bias and other constants stay f32.
#pragma once

#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quant/activation_stats.h"
#include "converter/quant/layer_report.h"

namespace nibble::convert::quant {

struct QuantizationPolicy {
  // "SPEC" (the default for every layer) or "GLOB=SPEC" (layers whose
  // name matches; later rules win). GLOB matches the layer name
  // ("layer3.0.conv1"), the node name, the weight tensor name or the
  // weight's module ("wte" for "wte.weight"). A weight several nodes read
  // (GPT-2's wte: the token EMBEDDING and the tied lm_head LINEAR) is one
  // layer, encoded once, named after the first node reading it.
  std::vector<std::string> codec_rules;
  std::vector<std::string> keep;  // globs of layers kept in f32
  double target_bpw = 0;          // > 0: choose per-layer widths to meet this budget
};

bool policy_is_empty(const QuantizationPolicy& policy);

// Quantizes g's weights in place (Value::encoded). stats may be null.
// Returns the per-layer report (empty when the policy is empty).
ModelReport quantize_graph(Graph& g, const QuantizationPolicy& policy, const ActivationStats* stats);

}  // namespace nibble::convert::quant
