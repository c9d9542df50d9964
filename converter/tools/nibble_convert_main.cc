// nibble-convert MODEL.onnx|HF_DIR -o OUT.nbl [--input-shape NAME=D0,D1,..]
//                [--max-tokens N]
//                [--bind NAME=FILE.pb] [--codec SPEC|GLOB=SPEC].. [--keep GLOBS]
//                [--target-bpw B] [--calib FILE] [--report FILE.html] [--quiet]
// Exit codes: 0 converted, 1 conversion failed, 2 usage error.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "converter/convert.h"

namespace {

constexpr const char* kUsage =
    "usage: nibble-convert MODEL.onnx -o OUT.nbl [options]\n"
    "       nibble-convert HF_DIR -o OUT.nbl [options]\n"
    "\n"
    "Converts an ONNX model (opset 7..17), or a Hugging Face GPT-2 checkpoint\n"
    "(HF_DIR: config.json, model.safetensors or model.safetensors.index.json,\n"
    "vocab.json + merges.txt; HF_DIR/config.json is accepted too), to a nibble\n"
    ".nbl file.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE           the .nbl file to write (required)\n"
    "  --input-shape NAME=D0,D1,.. static shape of a graph input (repeatable);\n"
    "                              dynamic dims not given default to 1\n"
    "  --bind NAME=FILE.pb         make a graph input the constant in a serialized\n"
    "                              TensorProto file (repeatable)\n"
    "  --max-tokens N              GPT-2: tokens per run, the sequence maximum\n"
    "                              (1..n_positions; default min(n_positions, 128))\n"
    "\n"
    "weight quantization (docs/CODECS.md):\n"
    "  --codec SPEC                codec of every Conv/Linear weight: f32 f16 bf16\n"
    "                              q8_0 q4_0 q4_1 q5_0 q5_1 int8 int4 int:B affine:B\n"
    "                              pqnt:B lsq:B log2:B lut:B, options as ,key=value\n"
    "                              (e.g. lut:4,group=32  pqnt:4,p=auto  affine:4,group=64)\n"
    "  --codec 'GLOB=SPEC'         codec of the layers whose name matches (repeatable;\n"
    "                              later rules win), e.g. 'layer3.*=lsq:7'\n"
    "  --keep GLOB[,GLOB..]        layers kept in f32, e.g. 'conv1,linear'\n"
    "                              (GPT-2: modules such as 'h.*.mlp.*', 'wte')\n"
    "  --target-bpw B              choose each layer's width in the --codec family\n"
    "                              to meet B bits per weight (greedy, SNR gain per bit)\n"
    "  --calib FILE                calibration inputs: .f32 raw float32 samples or\n"
    "                              CIFAR-10 .bin records; lut weighs weight errors by\n"
    "                              the activations, ranges go to the metadata\n"
    "  --calib-samples N           samples used from FILE (default 64)\n"
    "  --activation-calib METHOD   minmax percentile[:Q] entropy meanstd[:K] aciq mse\n"
    "  --report FILE.html          per-layer error report with an SNR chart\n"
    "\n"
    "  -q, --quiet                 print nothing on success\n"
    "  -h, --help                  show this help\n";

struct UsageError {
  std::string message;
};

std::string quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"'\\$") == std::string::npos) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::pair<std::string, std::string> split_assignment(const std::string& opt, const std::string& value, bool at_last) {
  const size_t eq = at_last ? value.rfind('=') : value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    throw UsageError{opt + " expects NAME=VALUE, got '" + value + "'"};
  }
  return {value.substr(0, eq), value.substr(eq + 1)};
}

std::vector<int64_t> parse_dims(const std::string& text) {
  std::vector<int64_t> dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long long d = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || d < 0) throw UsageError{"--input-shape: bad dimension '" + item + "'"};
    dims.push_back(d);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return dims;
}

}  // namespace

int main(int argc, char** argv) {
  nibble::convert::ConvertOptions options;
  std::string model, output;
  bool quiet = false;
  try {
    for (int k = 1; k < argc; ++k) {
      std::string arg = argv[k];
      std::string inline_value;
      bool has_inline = false;
      if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
        inline_value = arg.substr(arg.find('=') + 1);
        arg = arg.substr(0, arg.find('='));
        has_inline = true;
      }
      auto value = [&]() -> std::string {
        if (has_inline) return inline_value;
        if (k + 1 >= argc) throw UsageError{arg + " needs a value"};
        return argv[++k];
      };
      if (arg == "-h" || arg == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (arg == "-o" || arg == "--output") {
        output = value();
      } else if (arg == "-q" || arg == "--quiet") {
        quiet = true;
      } else if (arg == "--input-shape") {
        const auto [name, dims] = split_assignment(arg, value(), true);
        options.input_shapes[name] = parse_dims(dims);
      } else if (arg == "--bind") {
        const auto [name, file] = split_assignment(arg, value(), false);
        options.bind_inputs[name] = file;
      } else if (arg == "--codec") {
        options.codecs.push_back(value());
      } else if (arg == "--keep") {
        options.keep.push_back(value());
      } else if (arg == "--target-bpw") {
        const std::string v = value();
        char* end = nullptr;
        options.target_bpw = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(options.target_bpw >= 1.0 && options.target_bpw <= 32.0)) {
          throw UsageError{"--target-bpw needs a number of bits per weight in [1, 32], got '" + v + "'"};
        }
      } else if (arg == "--calib") {
        options.calib_file = value();
      } else if (arg == "--calib-samples") {
        const std::string v = value();
        char* end = nullptr;
        const long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 1 || n > 100000) {
          throw UsageError{"--calib-samples needs a count in 1..100000, got '" + v + "'"};
        }
        options.calib_samples = static_cast<int>(n);
      } else if (arg == "--activation-calib") {
        options.activation_calib = value();
      } else if (arg == "--max-tokens") {
        const std::string v = value();
        char* end = nullptr;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 1 || n > (1 << 24)) {
          throw UsageError{"--max-tokens needs a token count in 1..16777216, got '" + v + "'"};
        }
        options.max_tokens = n;
      } else if (arg == "--report") {
        options.report_html = value();
      } else if (!arg.empty() && arg[0] == '-') {
        throw UsageError{"unknown option '" + arg + "'"};
      } else if (model.empty()) {
        model = arg;
      } else {
        throw UsageError{"more than one model given ('" + model + "', '" + arg + "')"};
      }
    }
    if (model.empty()) throw UsageError{"no model given"};
    if (output.empty()) throw UsageError{"no output given (-o OUT.nbl)"};
    if (!options.report_html.empty() && options.codecs.empty() && options.keep.empty() && options.target_bpw <= 0) {
      throw UsageError{"--report describes quantization: give --codec (or --keep / --target-bpw) too"};
    }
  } catch (const UsageError& e) {
    std::cerr << "nibble-convert: " << e.message << " (see nibble-convert --help)\n";
    return 2;
  }
  for (int k = 0; k < argc; ++k) options.command_line += (k ? " " : "") + quote(argv[k]);
  try {
    const bool hf = nibble::convert::is_hf_checkpoint_path(model);
    if (!hf && options.max_tokens != 0) {
      std::cerr << "nibble-convert: --max-tokens applies to Hugging Face checkpoints only (see nibble-convert --help)\n";
      return 2;
    }
    const auto report = hf ? nibble::convert::convert_hf_checkpoint(model, output, options)
                           : nibble::convert::convert_onnx_file(model, output, options);
    if (!quiet) std::cout << "nibble-convert: " << model << " -> " << output << "\n" << format_report(report);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    std::cerr << "nibble-convert: error: " << msg << "\n";
    return 1;
  }
  return 0;
}
