// The conversion pipeline: import -> fold constants -> fold BatchNorm ->
// lower -> fuse activations -> dead code -> NHWC layout -> clean-up ->
// write.
#include "converter/convert.h"

#include <chrono>
#include <sstream>

#include "converter/convert_steps.h"
#include "converter/onnx/onnx_importer.h"
#include "converter/passes/passes.h"
#include "converter/quant/activation_stats.h"
#include "converter/quant/quantize_pass.h"
#include "converter/util/file_util.h"
#include "converter/util/sha256.h"
#include "converter/writer/model_writer.h"

namespace nibble::convert {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

ConvertReport run(const std::string& onnx_path, const std::string& out_path, const ConvertOptions& options) {
  ConvertReport report;
  const std::string bytes = read_file(onnx_path);
  ImportedModel m = import_onnx(onnx_path, bytes, options);
  report.onnx_nodes = m.onnx_nodes;
  Graph& g = m.graph;
  fold_constants(g, report);
  fold_batchnorms(g, report);
  lower_to_nibble(g);
  fuse_activations(g, report);
  remove_dead_code(g);
  assign_nhwc_layout(g, report);
  simplify_layout_ops(g);

  const auto quant_start = std::chrono::steady_clock::now();
  quant::ActivationStats stats;
  if (!options.calib_file.empty()) {
    quant::CalibrationData data;
    data.path = options.calib_file;
    data.max_samples = options.calib_samples;
    data.method = quant::parse_calib_spec(options.activation_calib);
    // GPTQ needs each layer's input second moments (cols^2 each): only then.
    for (const std::string& rule : options.codecs) {
      if (rule.find("gptq") != std::string::npos) data.input_moments = true;
    }
    stats = quant::collect_activation_stats(g, data);
    report.calibration_samples = stats.samples;
  }
  quantize_with_options(g, options, options.calib_file.empty() ? nullptr : &stats, base_name(onnx_path), &report);
  // The ONNX path's quantization time includes calibration.
  report.quantization_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - quant_start).count();

  FileMetadata meta;
  meta.source_file = base_name(onnx_path);
  meta.source_sha256 = sha256_hex(bytes);
  meta.converter_options = options.command_line;
  meta.entries = {{"onnx_opset", std::to_string(m.opset)}, {"onnx_producer", m.producer}};
  if (report.calibration_samples > 0) {
    meta.entries.push_back({"activation_ranges", quant::activation_ranges_json(g, stats)});
    meta.entries.push_back({"calibration_samples", std::to_string(report.calibration_samples)});
  }
  write_converted_model(g, meta, options, out_path, &report);
  return report;
}

}  // namespace

ConvertReport convert_onnx_file(const std::string& onnx_path, const std::string& out_path,
                                const ConvertOptions& options) {
  try {
    return run(onnx_path, out_path, options);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (starts_with(msg, onnx_path + ":") || starts_with(msg, out_path + ":")) throw;
    throw Error(onnx_path + ": " + msg);
  } catch (const std::bad_alloc&) {
    throw Error(onnx_path + ": out of memory");
  } catch (const std::exception& e) {
    throw Error(onnx_path + ": " + e.what());
  }
}

std::string format_report(const ConvertReport& r) {
  std::ostringstream os;
  if (!r.checkpoint.empty()) {
    os << "checkpoint: " << r.checkpoint << "\n";
    os << "checkpoint tensors: " << r.checkpoint_tensors << " -> nibble ops: " << r.ops_out << "\n";
  } else {
    os << "onnx nodes: " << r.onnx_nodes << " -> nibble ops: " << r.ops_out << "\n";
  }
  if (r.checkpoint.empty()) os << "folded nodes: " << r.folded_nodes << ", batchnorm folded into conv: " << r.batchnorms_folded
     << ", batchnorm as mul+add: " << r.batchnorms_lowered << ", fused activations: " << r.fused_activations
     << ", layout transposes inserted: " << r.transposes_inserted << "\n";
  os << "ops:";
  for (const auto& [name, count] : r.op_counts) os << " " << name << "=" << count;
  os << "\n";
  for (const auto& s : r.inputs) os << "input:  " << s << "\n";
  for (const auto& s : r.outputs) os << "output: " << s << "\n";
  os << "weight bytes: " << r.weight_bytes << ", arena bytes: " << r.arena_bytes << ", file bytes: " << r.file_bytes
     << "\n";
  if (!r.quantization.layers.empty()) {
    if (r.calibration_samples > 0) os << "calibration samples: " << r.calibration_samples << "\n";
    os << quant::format_layer_table(r.quantization);
    os << "quantization time: " << r.quantization_seconds << " s\n";
  }
  return os.str();
}

}  // namespace nibble::convert
