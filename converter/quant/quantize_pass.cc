#include "converter/quant/quantize_pass.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <unordered_map>

#include "converter/convert.h"
#include "converter/quant/codec_spec.h"
#include "converter/quant/layer_names.h"
#include "converter/quant/weight_quantizer.h"
#include "converter/writer/model_writer.h"

namespace nibble::convert::quant {

namespace {

struct Layer {
  int weight = -1;  // value id
  std::string name, node_name, weight_name, op;
  Shape shape;
  int64_t rows = 0, cols = 0;
  std::vector<float> importance;  // per column; empty: none
  const std::vector<double>* input_moment = nullptr;  // for gptq
};

struct Rule {
  std::string glob;  // empty: the default
  CodecSpec spec;
  std::string text;
  bool used = false;
};

struct Choice {
  EncodedWeights encoded;
  ErrorStats error;
  double seconds = 0;
};

bool matches(const std::string& glob, const Layer& l) {
  return glob_match(glob, l.name) || glob_match(glob, l.node_name) || glob_match(glob, l.weight_name) ||
         glob_match(glob, weight_module_name(l.weight_name));
}

std::vector<Rule> parse_rules(const std::vector<std::string>& texts) {
  std::vector<Rule> rules;
  for (const std::string& text : texts) {
    Rule r;
    r.text = text;
    try {
      r.spec = parse_codec_spec(text);
    } catch (const Error& whole) {
      const size_t eq = text.find('=');
      if (eq == std::string::npos || eq == 0) throw Error(std::string("--codec: ") + whole.what());
      r.glob = text.substr(0, eq);
      try {
        r.spec = parse_codec_spec(text.substr(eq + 1));
      } catch (const Error& e) {
        throw Error("--codec '" + text + "': " + e.what());
      }
    }
    rules.push_back(r);
  }
  return rules;
}

std::vector<std::string> split_globs(const std::vector<std::string>& lists) {
  std::vector<std::string> globs;
  for (const std::string& list : lists) {
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      const std::string g = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!g.empty()) globs.push_back(g);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return globs;
}

std::vector<Layer> weight_layers(const Graph& g, const ActivationStats* stats) {
  std::vector<Layer> layers;
  std::unordered_map<int, bool> seen;
  for (const Node& n : g.nodes) {
    // A token EMBEDDING's table is a weight matrix like a LINEAR's (rows
    // decoded on the fly); learned position tables stay f32.
    const bool table = n.nb.code == fb::OpCode::EMBEDDING && !n.nb.positional;
    if (n.nb.code != fb::OpCode::CONV2D && n.nb.code != fb::OpCode::LINEAR && !table) continue;
    const int w = n.input(1);
    if (!g.is_constant(w) || seen[w]) continue;
    seen[w] = true;
    Layer l;
    l.weight = w;
    l.node_name = n.name;
    l.name = layer_name(n.name, n.op_type);
    l.weight_name = g.values[w].name;
    l.op = opcode_name(n.nb.code);
    l.shape = g.values[w].memory_shape();
    l.rows = l.shape.empty() ? 1 : l.shape[0];
    l.cols = l.rows > 0 ? shape_numel(l.shape) / l.rows : 0;
    // Column k of a CONV2D row (OHWI) reads input channel k % (C / groups);
    // with one group that is a channel of the input itself.
    if (stats != nullptr && n.nb.groups == 1 && !table) {
      auto it = stats->channel_mean_square.find(n.input(0));
      if (it != stats->channel_mean_square.end() && !it->second.empty()) {
        const std::vector<float>& ms = it->second;
        l.importance.resize(static_cast<size_t>(l.cols));
        for (int64_t k = 0; k < l.cols; ++k) l.importance[static_cast<size_t>(k)] = ms[static_cast<size_t>(k) % ms.size()];
      }
    }
    if (stats != nullptr) {
      auto it = stats->input_moment.find(w);
      if (it != stats->input_moment.end()) l.input_moment = &it->second;
    }
    layers.push_back(std::move(l));
  }
  return layers;
}

Choice encode_layer(const Graph& g, const Layer& l, const CodecSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  WeightMatrix w{g.values[l.weight].data->f.data(), l.rows, l.cols,
                 l.importance.empty() ? nullptr : l.importance.data(), l.input_moment};
  Choice c;
  try {
    c.encoded = quantize_weights(w, spec);
  } catch (const Error& e) {
    throw Error("layer '" + l.name + "' (weight '" + l.weight_name + "'): " + e.what());
  }
  c.error = measure_encoding_error(w, c.encoded);
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

// What the file spends on the weight: codes, scales, zero points and a
// learned codebook (pqnt/lsq/log2 tables are rebuilt by the reader).
uint64_t stored_bytes(const EncodedWeights& e) {
  const uint64_t table = e.layout.format == codec::Format::kTable && e.table_kind == codec::TableKind::kLut
                             ? e.table.size() * 4
                             : 0;
  return e.segment.codes_bytes + e.segment.scales_bytes + e.segment.zero_points_bytes + table;
}

// The widths --target-bpw may choose from for a codec family.
std::vector<CodecSpec> ladder(const CodecSpec& base) {
  std::vector<CodecSpec> specs;
  if (base.kind == CodecKind::kQ4_0 || base.kind == CodecKind::kQ4_1 || base.kind == CodecKind::kQ5_0 ||
      base.kind == CodecKind::kQ5_1 || base.kind == CodecKind::kQ8_0) {
    for (const char* name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0"}) specs.push_back(parse_codec_spec(name));
    return specs;
  }
  if (!has_bits_parameter(base.kind)) {
    throw Error("--target-bpw needs a codec family with a width (int, affine, pqnt, lsq, log2, lut or the q formats), not '" +
                codec_spec_string(base) + "'");
  }
  for (int bits = 2; bits <= 8; ++bits) {
    CodecSpec s = base;
    s.bits = bits;
    specs.push_back(s);
  }
  return specs;
}

LayerReport report_row(const Layer& l, const std::string& codec, uint64_t bytes, const ErrorStats& error,
                       double seconds) {
  LayerReport r;
  r.tensor = l.name;
  r.op = l.op;
  r.codec = codec;
  r.shape = l.shape;
  r.weights = static_cast<uint64_t>(l.rows * l.cols);
  r.encoded_bytes = bytes;
  r.bits_per_weight = r.weights > 0 ? 8.0 * static_cast<double>(bytes) / static_cast<double>(r.weights) : 0;
  r.error = error;
  r.seconds = seconds;
  return r;
}

// A layer's noise-to-signal ratio (1 / linear SNR). Each layer's relative
// weight error perturbs the network's output roughly in proportion, so the
// sum over layers is what the budget minimises. (The model's total SNR
// would starve layers with small weights: their absolute error is small
// even when it is a large fraction of the layer.)
double relative_noise(const ErrorStats& e) {
  return e.sum_sq_signal > 0 ? e.sum_sq_error / e.sum_sq_signal : 0.0;
}

// Greedy choice under a budget: every layer starts at its cheapest width;
// the upgrade with the largest SNR gain per extra bit (the drop in the
// layer's relative noise per bit) is taken while the budget allows.
std::vector<size_t> choose_widths(const std::vector<std::vector<Choice>>& options, const std::vector<uint64_t>& weights,
                                  double target_bpw, double fixed_bits, uint64_t fixed_weights) {
  std::vector<size_t> pick(options.size(), 0);
  double total_weights = static_cast<double>(fixed_weights);
  double bits = fixed_bits;
  for (size_t i = 0; i < options.size(); ++i) {
    total_weights += static_cast<double>(weights[i]);
    bits += 8.0 * static_cast<double>(stored_bytes(options[i][0].encoded));
  }
  const double budget = target_bpw * total_weights;
  if (bits > budget) {
    throw Error("--target-bpw " + std::to_string(target_bpw) + " cannot be met: the narrowest codecs take " +
                std::to_string(bits / total_weights) + " bits per weight");
  }
  while (true) {
    double best_gain = 0;
    size_t best = options.size();
    for (size_t i = 0; i < options.size(); ++i) {
      if (pick[i] + 1 >= options[i].size()) continue;
      const Choice& now = options[i][pick[i]];
      const Choice& next = options[i][pick[i] + 1];
      const double extra = 8.0 * (static_cast<double>(stored_bytes(next.encoded)) - static_cast<double>(stored_bytes(now.encoded)));
      if (extra <= 0 || bits + extra > budget) continue;
      const double gain = (relative_noise(now.error) - relative_noise(next.error)) / extra;
      if (gain > best_gain) {
        best_gain = gain;
        best = i;
      }
    }
    if (best == options.size()) break;
    bits += 8.0 * (static_cast<double>(stored_bytes(options[best][pick[best] + 1].encoded)) -
                   static_cast<double>(stored_bytes(options[best][pick[best]].encoded)));
    ++pick[best];
  }
  return pick;
}

}  // namespace

bool policy_is_empty(const QuantizationPolicy& p) {
  return p.codec_rules.empty() && p.keep.empty() && p.target_bpw <= 0;
}

ModelReport quantize_graph(Graph& g, const QuantizationPolicy& policy, const ActivationStats* stats) {
  ModelReport report;
  if (policy_is_empty(policy)) return report;
  std::vector<Rule> rules = parse_rules(policy.codec_rules);
  const std::vector<std::string> keep = split_globs(policy.keep);
  std::vector<bool> keep_used(keep.size(), false);
  const std::vector<Layer> layers = weight_layers(g, stats);
  const Rule* default_rule = nullptr;
  for (const Rule& r : rules) {
    if (r.glob.empty()) default_rule = &r;
  }
  if (policy.target_bpw > 0 && default_rule == nullptr) {
    throw Error("--target-bpw needs a default codec family (--codec lut:4, say) to choose widths from");
  }

  // Each layer's fixed choice, or -1: chosen by the budget; or kept f32.
  enum class Mode { kKeep, kFixed, kBudget };
  std::vector<Mode> mode(layers.size(), Mode::kKeep);
  std::vector<CodecSpec> spec(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    bool kept = false;
    for (size_t k = 0; k < keep.size(); ++k) {
      if (matches(keep[k], layers[i])) kept = keep_used[k] = true;
    }
    if (kept) continue;
    const Rule* rule = nullptr;
    for (Rule& r : rules) {
      if (!r.glob.empty() && matches(r.glob, layers[i])) {
        rule = &r;
        r.used = true;
      }
    }
    if (rule != nullptr) {
      mode[i] = Mode::kFixed;
      spec[i] = rule->spec;
    } else if (default_rule != nullptr) {
      mode[i] = policy.target_bpw > 0 ? Mode::kBudget : Mode::kFixed;
      spec[i] = default_rule->spec;
    }
  }
  for (size_t k = 0; k < keep.size(); ++k) {
    if (!keep_used[k]) throw Error("--keep '" + keep[k] + "' matches no CONV2D/LINEAR/EMBEDDING weight");
  }
  for (const Rule& r : rules) {
    if (!r.glob.empty() && !r.used) throw Error("--codec '" + r.text + "': '" + r.glob + "' matches no CONV2D/LINEAR/EMBEDDING weight");
  }

  std::vector<Choice> chosen(layers.size());
  std::vector<size_t> budget_layers;
  std::vector<std::vector<Choice>> budget_options;
  std::vector<uint64_t> budget_weights;
  double fixed_bits = 0;
  uint64_t fixed_weights = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (mode[i] == Mode::kFixed) {
      chosen[i] = encode_layer(g, layers[i], spec[i]);
      fixed_bits += 8.0 * static_cast<double>(stored_bytes(chosen[i].encoded));
      fixed_weights += static_cast<uint64_t>(layers[i].rows * layers[i].cols);
    } else if (mode[i] == Mode::kBudget) {
      std::vector<Choice> options;
      for (const CodecSpec& s : ladder(spec[i])) options.push_back(encode_layer(g, layers[i], s));
      budget_layers.push_back(i);
      budget_options.push_back(std::move(options));
      budget_weights.push_back(static_cast<uint64_t>(layers[i].rows * layers[i].cols));
    }
  }
  if (!budget_layers.empty()) {
    const std::vector<size_t> pick =
        choose_widths(budget_options, budget_weights, policy.target_bpw, fixed_bits, fixed_weights);
    for (size_t k = 0; k < budget_layers.size(); ++k) chosen[budget_layers[k]] = std::move(budget_options[k][pick[k]]);
  }

  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    if (mode[i] == Mode::kKeep || (chosen[i].encoded.layout.format == codec::Format::kF32)) {
      const float* w = g.values[l.weight].data->f.data();
      const ErrorStats lossless = measure_error(w, w, static_cast<size_t>(l.rows * l.cols));
      report.layers.push_back(report_row(l, "f32", static_cast<uint64_t>(l.rows * l.cols) * 4, lossless, 0));
      continue;
    }
    report.layers.push_back(
        report_row(l, chosen[i].encoded.spec, stored_bytes(chosen[i].encoded), chosen[i].error, chosen[i].seconds));
    g.values[l.weight].encoded = std::make_shared<const EncodedWeights>(std::move(chosen[i].encoded));
  }
  return report;
}

}  // namespace nibble::convert::quant
