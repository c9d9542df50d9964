// The per-layer quantization report: what each weight was encoded with,
// its size and its error, rendered three ways: a terminal table, compact
// JSON for the model file's metadata, and a self-contained HTML page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/quant/error_stats.h"

namespace nibble::convert::quant {

struct LayerReport {
  std::string tensor;               // the weight's name
  std::string op;                   // consumer op, e.g. "CONV2D"
  std::string codec;                // spec string, e.g. "q4_0", "lut:4,group=32"
  std::vector<int64_t> shape;
  uint64_t weights = 0;             // element count
  uint64_t encoded_bytes = 0;       // segment bytes plus any codebook
  double bits_per_weight = 0;
  ErrorStats error;                 // dequantized vs. original weights
  double seconds = 0;               // encoding time
};

struct ModelReport {
  std::string model_name;
  std::vector<LayerReport> layers;

  ErrorStats total() const;          // all layers' errors merged
  double bits_per_weight() const;    // layer bpw weighted by weight count; 0 without weights
  uint64_t f32_bytes() const;        // 4 bytes per weight
  uint64_t encoded_bytes() const;
  double compression_ratio() const;  // f32_bytes / encoded_bytes; 0 if nothing is encoded
};

// Aligned plain text, one line per layer and a total line: layer, op,
// codec, shape, bpw, bytes, RMSE, max abs, mean abs, SNR dB, ratio (f32
// bytes / encoded bytes). Names longer than 40 characters are shortened in
// the middle ("..."). Lossless layers show SNR "inf". Ends with a newline.
std::string format_layer_table(const ModelReport& report);

// One compact JSON object:
//   {"model":..,"weights":..,"f32_bytes":..,"encoded_bytes":..,
//    "bits_per_weight":..,"compression_ratio":..,"rmse":..,"snr_db":..,
//    "layers":[{"tensor":..,"op":..,"codec":..,"shape":[..],"weights":..,
//      "encoded_bytes":..,"bits_per_weight":..,"rmse":..,"max_abs_error":..,
//      "mean_abs_error":..,"snr_db":..,"seconds":..},..]}
// Always valid JSON: non-finite numbers (a lossless layer's SNR) are null,
// strings are escaped and invalid UTF-8 becomes U+FFFD.
std::string layer_report_json(const ModelReport& report);

// A single self-contained HTML page (inline CSS and SVG, no scripts, no
// external references): the command line, a summary, a bar chart of each
// layer's SNR in dB (one <rect> per layer; red below 15 dB, orange below
// 25, green otherwise; lossless layers get a full bar labelled
// "lossless"), then the full table.
std::string render_html_report(const ModelReport& report, const std::string& command_line);

}  // namespace nibble::convert::quant
