#include "converter/convert_steps.h"

#include <chrono>
#include <memory>

#include "converter/ir/tensor_data.h"
#include "converter/quant/layer_report.h"
#include "converter/quant/quantize_pass.h"
#include "converter/util/file_util.h"

namespace nibble::convert {

void quantize_with_options(Graph& g, const ConvertOptions& options, const quant::ActivationStats* stats,
                           const std::string& model_name, ConvertReport* report) {
  const auto start = std::chrono::steady_clock::now();
  quant::QuantizationPolicy policy;
  policy.codec_rules = options.codecs;
  policy.keep = options.keep;
  policy.target_bpw = options.target_bpw;
  report->quantization = quant::quantize_graph(g, policy, stats);
  report->quantization.model_name = model_name;
  report->quantization_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void write_converted_model(const Graph& g, FileMetadata meta, const ConvertOptions& options,
                           const std::string& out_path, ConvertReport* report) {
  if (!report->quantization.layers.empty()) {
    meta.entries.push_back({"quantization_report", quant::layer_report_json(report->quantization)});
  }
  const WrittenModel written = build_model_file(g, meta);
  // Both files are staged before either is renamed, so a failure writing
  // one leaves neither (the report used to be in place before the model
  // write could fail).
  std::unique_ptr<StagedFile> html;
  if (!options.report_html.empty() && !report->quantization.layers.empty()) {
    html = std::make_unique<StagedFile>(options.report_html,
                                        quant::render_html_report(report->quantization, options.command_line));
  }
  StagedFile model(out_path, written.bytes);
  model.commit();
  if (html) html->commit();

  report->ops_out = static_cast<int>(g.nodes.size());
  for (const Node& n : g.nodes) ++report->op_counts[opcode_name(n.nb.code)];
  report->weight_bytes = written.weight_bytes;
  report->data_region_bytes = written.data_region_bytes;
  report->arena_bytes = written.arena_bytes;
  report->file_bytes = written.bytes.size();
  for (int v : g.inputs) report->inputs.push_back(g.values[v].name + " " + shape_string(g.values[v].shape));
  for (int v : g.outputs) report->outputs.push_back(g.values[v].name + " " + shape_string(g.values[v].shape));
}

}  // namespace nibble::convert
