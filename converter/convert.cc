// The conversion pipeline: import -> fold constants -> fold BatchNorm ->
// lower -> fuse activations -> dead code -> NHWC layout -> clean-up ->
// write.
#include "converter/convert.h"

#include <sstream>

#include "converter/onnx/onnx_importer.h"
#include "converter/passes/passes.h"
#include "converter/util/file_util.h"
#include "converter/util/sha256.h"
#include "converter/writer/model_writer.h"

namespace nibble::convert {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string describe_value(const Value& v) { return v.name + " " + shape_string(v.shape); }

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

  FileMetadata meta;
  meta.source_file = base_name(onnx_path);
  meta.source_sha256 = sha256_hex(bytes);
  meta.converter_options = options.command_line;
  meta.entries = {{"onnx_opset", std::to_string(m.opset)}, {"onnx_producer", m.producer}};
  const WrittenModel written = build_model_file(g, meta);
  write_file_atomic(out_path, written.bytes);

  report.ops_out = static_cast<int>(g.nodes.size());
  for (const Node& n : g.nodes) ++report.op_counts[opcode_name(n.nb.code)];
  report.weight_bytes = written.weight_bytes;
  report.data_region_bytes = written.data_region_bytes;
  report.arena_bytes = written.arena_bytes;
  report.file_bytes = written.bytes.size();
  for (int v : g.inputs) report.inputs.push_back(describe_value(g.values[v]));
  for (int v : g.outputs) report.outputs.push_back(describe_value(g.values[v]));
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
  os << "onnx nodes: " << r.onnx_nodes << " -> nibble ops: " << r.ops_out << "\n";
  os << "folded nodes: " << r.folded_nodes << ", batchnorm folded into conv: " << r.batchnorms_folded
     << ", batchnorm as mul+add: " << r.batchnorms_lowered << ", fused activations: " << r.fused_activations
     << ", layout transposes inserted: " << r.transposes_inserted << "\n";
  os << "ops:";
  for (const auto& [name, count] : r.op_counts) os << " " << name << "=" << count;
  os << "\n";
  for (const auto& s : r.inputs) os << "input:  " << s << "\n";
  for (const auto& s : r.outputs) os << "output: " << s << "\n";
  os << "weight bytes: " << r.weight_bytes << ", arena bytes: " << r.arena_bytes << ", file bytes: " << r.file_bytes
     << "\n";
  return os.str();
}

}  // namespace nibble::convert
