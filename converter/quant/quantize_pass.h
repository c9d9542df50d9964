// The quantization pass: picks a codec for every CONV2D/LINEAR weight
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
  // ("layer3.0.conv1"), the node name or the weight tensor name.
  std::vector<std::string> codec_rules;
  std::vector<std::string> keep;  // globs of layers kept in f32
  double target_bpw = 0;          // > 0: choose per-layer widths to meet this budget
};

bool policy_is_empty(const QuantizationPolicy& policy);

// Quantizes g's weights in place (Value::encoded). stats may be null.
// Returns the per-layer report (empty when the policy is empty).
ModelReport quantize_graph(Graph& g, const QuantizationPolicy& policy, const ActivationStats* stats);

}  // namespace nibble::convert::quant
