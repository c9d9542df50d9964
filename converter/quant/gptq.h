// GPTQ-style error-compensating rounding (Frantar et al., 2022): weights
// are quantized one input column at a time, and each column's rounding
// error is spread over the columns not yet quantized, weighted by the
// inverse of the layer's input second moment H = E[x x^T] (from the
// calibration set). The result minimises the layer's output error
// ||(W - Q) X||, not the weight error, so it helps accuracy where weight
// SNR alone does not.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace nibble::convert::quant {

// quantize(row, col, value) -> the dequantized value the codec gives
// `value` at that position (scales fixed beforehand).
using ElementQuantizer = std::function<float(int64_t row, int64_t col, float value)>;

// w: [rows, cols] row-major; hessian: cols x cols, symmetric (a sum of
// x x^T over calibration inputs, any positive scale). Returns the
// quantized (dequantized) weights. damp: added to the diagonal as a
// fraction of its mean, for stability (GPTQ uses 0.01). Columns whose
// input is always zero are quantized directly.
std::vector<float> gptq_quantize(const float* w, int64_t rows, int64_t cols, std::vector<double> hessian, double damp,
                                 const ElementQuantizer& quantize);

}  // namespace nibble::convert::quant
