// Quantizes one weight matrix [rows, cols] (rows = output channels) with a
// codec spec: chooses scales, zero points, powers, steps or codebooks as
// the spec asks (calibration, search, learning), then encodes with the
// codec definitions shared with the kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "converter/ir/encoded_weights.h"
#include "converter/quant/codec_spec.h"
#include "converter/quant/error_stats.h"

namespace nibble::convert::quant {

struct WeightMatrix {
  const float* data;
  int64_t rows;
  int64_t cols;
  // Optional, cols entries >= 0: how much each input column matters (the
  // layer input's mean square per channel). Used by lut's learning.
  const float* column_importance = nullptr;
  // Optional, cols x cols: the sum of x x^T over the layer's calibration
  // inputs; needed by specs with gptq.
  const std::vector<double>* input_moment = nullptr;
};

// Throws Error on a spec the matrix cannot take.
EncodedWeights quantize_weights(const WeightMatrix& w, const CodecSpec& spec);

// decode(encoded) against the original, exactly as the runtime decodes.
ErrorStats measure_encoding_error(const WeightMatrix& w, const EncodedWeights& encoded);

}  // namespace nibble::convert::quant
