// The steps every conversion ends with, whatever it imported (ONNX,
// Hugging Face checkpoints): quantize under the user's policy, then write
// the file and its report's figures.
#pragma once

#include <string>

#include "converter/convert.h"
#include "converter/ir/graph.h"
#include "converter/quant/activation_stats.h"
#include "converter/writer/model_writer.h"

namespace nibble::convert {

// Quantizes g's weights with options' codec rules, keep list and bit
// budget (stats: calibration statistics, or null); fills
// report->quantization and quantization_seconds.
void quantize_with_options(Graph& g, const ConvertOptions& options, const quant::ActivationStats* stats,
                           const std::string& model_name, ConvertReport* report);

// Adds the quantization report to meta, writes out_path atomically (and
// the HTML report if asked for), and fills the report's op counts, bytes,
// inputs and outputs.
void write_converted_model(const Graph& g, FileMetadata meta, const ConvertOptions& options,
                           const std::string& out_path, ConvertReport* report);

}  // namespace nibble::convert
