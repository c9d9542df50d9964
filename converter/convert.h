// The converter's public API: an ONNX file or a Hugging Face GPT-2
// checkpoint in, .nbl file out.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "converter/quant/layer_report.h"

namespace nibble::convert {

// Every failure of the converter: a one-line message that names the file
// and, where one is at fault, the node (name, op type, opset) or tensor.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

struct ConvertOptions {
  // Graph input name -> dims. Dims not given (dynamic ones) default to 1.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Graph input name -> serialized TensorProto (.pb) file: the input becomes
  // that constant (used for shape/pads/starts inputs of node tests).
  std::map<std::string, std::string> bind_inputs;
  // Stored in the file's metadata.converter_options.
  std::string command_line;

  // Weight quantization (docs/CODECS.md). codecs: "SPEC" for every
  // CONV2D/LINEAR weight, "GLOB=SPEC" for the layers whose name matches
  // (later rules win); keep: comma-separated globs kept in f32;
  // target_bpw > 0: per-layer widths chosen to meet that budget.
  std::vector<std::string> codecs;
  std::vector<std::string> keep;
  double target_bpw = 0;
  // Calibration samples (.f32 raw inputs or CIFAR-10 .bin records): the
  // activation statistics lut weighting and activation ranges use.
  std::string calib_file;
  int calib_samples = 64;
  std::string activation_calib = "minmax";
  // Writes the per-layer error report as a self-contained HTML page.
  std::string report_html;
  // Hugging Face checkpoints: rows per run, the maximum of every sequence
  // tensor (0: min(n_positions, 128)).
  int64_t max_tokens = 0;
};

struct ConvertReport {
  int onnx_nodes = 0;            // nodes in the ONNX graph
  // Hugging Face checkpoints: "gpt2, 4 layers, ..." and the tensors read.
  std::string checkpoint;
  int checkpoint_tensors = 0;
  int folded_nodes = 0;          // nodes evaluated at conversion time
  int batchnorms_folded = 0;     // BatchNormalization merged into a Conv
  int batchnorms_lowered = 0;    // standalone BatchNormalization -> Mul + Add
  int fused_activations = 0;     // Relu/Clip merged into their producer
  int transposes_inserted = 0;   // layout changes NCHW <-> NHWC left in the graph
  int ops_out = 0;               // operators in the written file
  std::map<std::string, int> op_counts;  // opcode name -> count in the file
  uint64_t weight_bytes = 0;     // bytes of constant tensors (no padding)
  uint64_t data_region_bytes = 0;
  uint64_t arena_bytes = 0;      // planned activation arena
  uint64_t file_bytes = 0;
  std::vector<std::string> inputs;   // "name [d0,d1,..]" (ONNX order)
  std::vector<std::string> outputs;
  // Per-layer codec, size and error (empty if nothing was quantized).
  quant::ModelReport quantization;
  int calibration_samples = 0;
  double quantization_seconds = 0;
};

// Converts onnx_path to out_path (written atomically: out_path either is the
// complete new file or is untouched). Throws Error.
ConvertReport convert_onnx_file(const std::string& onnx_path, const std::string& out_path,
                                const ConvertOptions& options);

// Converts a Hugging Face GPT-2 checkpoint (hf_path: its directory or its
// config.json) to out_path, atomically. Throws Error.
ConvertReport convert_hf_checkpoint(const std::string& hf_path, const std::string& out_path,
                                    const ConvertOptions& options);

// A directory or a config.json: a Hugging Face checkpoint.
bool is_hf_checkpoint_path(const std::string& path);

// The report as the tool prints it (several lines).
std::string format_report(const ConvertReport& report);

}  // namespace nibble::convert
