// The Hugging Face GPT-2 pipeline: import (the graph comes out lowered, no
// ONNX passes apply) -> weight quantization -> write. Calibration needs
// sample inputs the checkpoint cannot provide, so what depends on it
// (--calib, gptq) is refused here rather than silently skipped.
#include <filesystem>
#include <sstream>

#include "converter/convert.h"
#include "converter/convert_steps.h"
#include "converter/hf/gpt2_importer.h"
#include "converter/quant/quantize_pass.h"
#include "converter/util/file_util.h"
#include "converter/writer/model_writer.h"

namespace nibble::convert {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// HF_DIR or HF_DIR/config.json -> HF_DIR.
std::string checkpoint_dir(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "dir/" names files "dir/config.json"
  if (!ends_with(path, "config.json") || std::filesystem::is_directory(path)) return path;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void check_options(const ConvertOptions& o) {
  if (!o.calib_file.empty()) {
    throw Error("--calib is not supported for Hugging Face checkpoints (calibration runs image inputs)");
  }
  for (const std::string& rule : o.codecs) {
    if (rule.find("gptq") != std::string::npos) {
      throw Error("--codec '" + rule + "': gptq needs calibration activations, which GPT-2 import cannot provide yet");
    }
  }
  if (!o.input_shapes.empty()) throw Error("--input-shape does not apply to Hugging Face checkpoints (see --max-tokens)");
  if (!o.bind_inputs.empty()) throw Error("--bind does not apply to Hugging Face checkpoints");
}

ConvertReport run(const std::string& dir, const std::string& out_path, const ConvertOptions& options) {
  check_options(options);
  ConvertReport report;
  hf::Gpt2Import m = hf::import_gpt2(dir, options.max_tokens);
  Graph& g = m.graph;
  const hf::Gpt2Config& c = m.config;
  std::ostringstream what;
  what << "gpt2, " << c.n_layer << " layers, n_embd " << c.n_embd << ", " << c.n_head << " heads, vocab "
       << c.vocab_size << ", n_positions " << c.n_positions << ", " << g.values[g.inputs[0]].shape[0] << " tokens per run, "
       << (m.tied_lm_head ? "lm_head tied to wte" : "lm_head untied")
       << (m.vocabulary.empty() ? ", no tokenizer" : ", tokenizer " + std::to_string(m.vocabulary.tokens.size()) +
                                                       " tokens " + std::to_string(m.vocabulary.merges.size()) + " merges");
  report.checkpoint = what.str();
  report.checkpoint_tensors = m.checkpoint_tensors;

  quantize_with_options(g, options, nullptr, base_name(dir), &report);

  FileMetadata meta;
  meta.source_file = base_name(m.checkpoint_path);
  meta.source_sha256 = m.checkpoint_sha256;
  meta.converter_options = options.command_line;
  meta.entries = {{"hf_model_type", "gpt2"},
                  {"hf_activation_function", c.activation_function},
                  {"hf_n_positions", std::to_string(c.n_positions)}};
  meta.tokenizer = m.vocabulary;
  write_converted_model(g, meta, options, out_path, &report);
  return report;
}

}  // namespace

bool is_hf_checkpoint_path(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) || base_name(path) == "config.json";
}

ConvertReport convert_hf_checkpoint(const std::string& hf_path, const std::string& out_path,
                                    const ConvertOptions& options) {
  const std::string dir = checkpoint_dir(hf_path);
  try {
    return run(dir, out_path, options);
  } catch (const Error& e) {
    // Messages name the file at fault already (config.json, a shard, the
    // output); the rest (option errors) get the checkpoint's directory.
    const std::string msg = e.what();
    if (msg.compare(0, dir.size(), dir) == 0 || msg.compare(0, out_path.size(), out_path) == 0) throw;
    throw Error(dir + ": " + msg);
  } catch (const std::bad_alloc&) {
    throw Error(dir + ": out of memory");
  } catch (const std::exception& e) {
    throw Error(dir + ": " + e.what());
  }
}

}  // namespace nibble::convert
