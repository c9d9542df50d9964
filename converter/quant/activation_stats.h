// Statistics of the activations that feed each CONV2D/LINEAR, gathered by
// running the FP32 model (through nibble's own runtime) on calibration
// samples (--calib). They give:
//  - per input channel, the mean square E[x_c^2]: how much an error in a
//    weight of that input column costs at the layer output (lut learning
//    weights its errors by it);
//  - a clip range per activation from a calibration method, stored in the
//    model metadata for an activation-quantized path.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quant/calibration.h"

namespace nibble::convert::quant {

struct ActivationStats {
  int samples = 0;
  // Per value id of a CONV2D/LINEAR input: mean square per channel (the
  // last dimension in memory order), and the calibrated range.
  std::map<int, std::vector<float>> channel_mean_square;
  std::map<int, Range> range;
  // Per weight value id (CONV2D with one group, LINEAR): the sum of
  // x x^T over every input patch x the weight's rows are dotted with (the
  // cols x cols second moment GPTQ needs). Only when asked for.
  std::map<int, std::vector<double>> input_moment;
};

struct CalibrationData {
  std::string path;   // .f32 raw floats (input-sized chunks) or CIFAR-10 .bin records
  int max_samples = 64;
  CalibSpec method;   // for the activation ranges
  bool input_moments = false;      // gather ActivationStats::input_moment
  int64_t max_moment_cols = 4608;  // larger layers are left out (cols^2 doubles each)
};

// Throws Error naming the file on unreadable or ill-sized data.
ActivationStats collect_activation_stats(const Graph& g, const CalibrationData& data);

// {"tensor": [lo, hi], ...} for the metadata.
std::string activation_ranges_json(const Graph& g, const ActivationStats& stats);

}  // namespace nibble::convert::quant
