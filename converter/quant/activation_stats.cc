#include "converter/quant/activation_stats.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>

#include "converter/convert.h"
#include "converter/util/file_util.h"
#include "converter/writer/model_writer.h"
#include "nibble/nibble.hpp"

namespace nibble::convert::quant {

namespace {

constexpr size_t kCifarRecord = 1 + 3 * 32 * 32;
// The normalisation the shipped CIFAR-10 ResNet and examples/resnet use.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The samples as model inputs, each `numel` floats.
std::vector<std::vector<float>> read_samples(const CalibrationData& data, const Value& input) {
  const std::string bytes = read_file(data.path);
  const int64_t numel = shape_numel(input.shape);
  std::vector<std::vector<float>> samples;
  if (ends_with(data.path, ".bin")) {
    if (numel != 3 * 32 * 32) {
      throw Error(data.path + ": CIFAR-10 records are 3x32x32 images, but input '" + input.name + "' has " +
                  std::to_string(numel) + " elements");
    }
    if (bytes.empty() || bytes.size() % kCifarRecord != 0) {
      throw Error(data.path + ": not CIFAR-10 binary records (size is not a multiple of 3073 bytes)");
    }
    const size_t n = std::min(bytes.size() / kCifarRecord, static_cast<size_t>(data.max_samples));
    for (size_t k = 0; k < n; ++k) {
      const uint8_t* pixels = reinterpret_cast<const uint8_t*>(bytes.data()) + k * kCifarRecord + 1;
      std::vector<float> x(static_cast<size_t>(numel));
      for (size_t i = 0; i < x.size(); ++i) {
        const size_t c = i / 1024;
        x[i] = (static_cast<float>(pixels[i]) / 255.0f - kMean[c]) / kStd[c];
      }
      samples.push_back(std::move(x));
    }
  } else if (ends_with(data.path, ".f32")) {
    const size_t sample_bytes = static_cast<size_t>(numel) * 4;
    if (bytes.empty() || bytes.size() % sample_bytes != 0) {
      throw Error(data.path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of float32 samples of " +
                  std::to_string(numel) + " elements (input '" + input.name + "')");
    }
    const size_t n = std::min(bytes.size() / sample_bytes, static_cast<size_t>(data.max_samples));
    for (size_t k = 0; k < n; ++k) {
      std::vector<float> x(static_cast<size_t>(numel));
      std::memcpy(x.data(), bytes.data() + k * sample_bytes, sample_bytes);
      samples.push_back(std::move(x));
    }
  } else {
    throw Error(data.path + ": calibration data must be .f32 (raw float32 inputs) or .bin (CIFAR-10 records)");
  }
  if (samples.empty()) throw Error(data.path + ": no calibration samples");
  return samples;
}

// The values whose statistics are wanted: the activation input of every
// CONV2D/LINEAR.
std::vector<int> watched_values(const Graph& g) {
  std::vector<int> values;
  for (const Node& n : g.nodes) {
    if (n.nb.code != fb::OpCode::CONV2D && n.nb.code != fb::OpCode::LINEAR) continue;
    const int x = n.input(0);
    if (x >= 0 && !g.is_constant(x) && std::find(values.begin(), values.end(), x) == values.end()) values.push_back(x);
  }
  return values;
}

// Adds x x^T of every input patch of node n (NHWC activation a) to m
// (cols x cols). A patch is in the weight's column order: (ky, kx, ic) for
// CONV2D (OHWI weights), k for LINEAR; taps in the padding are zero.
void add_input_moment(const Node& n, const Shape& in, const float* a, int64_t cols, std::vector<double>& m) {
  std::vector<double> x(static_cast<size_t>(cols));
  auto accumulate = [&]() {
    for (int64_t i = 0; i < cols; ++i) {
      if (x[i] == 0) continue;
      double* row = &m[static_cast<size_t>(i * cols)];
      for (int64_t j = 0; j < cols; ++j) row[j] += x[i] * x[j];
    }
  };
  if (n.nb.code == fb::OpCode::LINEAR) {
    const int64_t batch = in.empty() ? 1 : shape_numel(in) / cols;
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t k = 0; k < cols; ++k) x[k] = a[b * cols + k];
      accumulate();
    }
    return;
  }
  const NbOp& o = n.nb;
  const int64_t batch = in[0], h = in[1], w = in[2], c = in[3];
  const int64_t out_h = (h + o.pad_top + o.pad_bottom - o.dilation_h * (o.kernel_h - 1) - 1) / o.stride_h + 1;
  const int64_t out_w = (w + o.pad_left + o.pad_right - o.dilation_w * (o.kernel_w - 1) - 1) / o.stride_w + 1;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t oy = 0; oy < out_h; ++oy) {
      for (int64_t ox = 0; ox < out_w; ++ox) {
        int64_t k = 0;
        for (int64_t ky = 0; ky < o.kernel_h; ++ky) {
          const int64_t iy = oy * o.stride_h - o.pad_top + ky * o.dilation_h;
          for (int64_t kx = 0; kx < o.kernel_w; ++kx) {
            const int64_t ix = ox * o.stride_w - o.pad_left + kx * o.dilation_w;
            const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            for (int64_t ic = 0; ic < c; ++ic) x[k++] = inside ? a[((b * h + iy) * w + ix) * c + ic] : 0.0;
          }
        }
        accumulate();
      }
    }
  }
}

struct AlignedBuffer {
  void* data = nullptr;
  explicit AlignedBuffer(const std::string& bytes) {
    data = std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64);
    if (data == nullptr) throw std::bad_alloc();
    std::memcpy(data, bytes.data(), bytes.size());
  }
  ~AlignedBuffer() { std::free(data); }
};

}  // namespace

ActivationStats collect_activation_stats(const Graph& g, const CalibrationData& data) {
  if (g.inputs.size() != 1) throw Error(data.path + ": calibration needs a model with one input");
  const std::vector<std::vector<float>> samples = read_samples(data, g.values[g.inputs[0]]);
  const std::vector<int> watched = watched_values(g);

  // The same FP32 model, with each watched activation also a graph output
  // (a graph input is read from the sample itself).
  Graph probe = g;
  std::vector<int> output_of;  // index into the session's outputs, -1: the graph input
  for (int v : watched) {
    if (g.is_graph_input(v)) {
      output_of.push_back(-1);
      continue;
    }
    if (!g.is_graph_output(v)) probe.outputs.push_back(v);
    output_of.push_back(static_cast<int>(
        std::find(probe.outputs.begin(), probe.outputs.end(), v) - probe.outputs.begin()));
  }
  const WrittenModel written = build_model_file(probe, FileMetadata{});
  AlignedBuffer image(written.bytes);
  auto model = nibble::Model::from_buffer(image.data, written.bytes.size());
  if (!model.is_ok()) throw Error(std::string("calibration: the FP32 model does not load: ") + model.status().message());
  nibble::SessionOptions options;
  auto session = nibble::Session::create(model.value(), options);
  if (!session.is_ok()) throw Error(std::string("calibration: ") + session.status().message());

  // The layers whose input moments are gathered.
  struct MomentLayer {
    const Node* node;
    int weight;
    size_t watched_index;
    int64_t cols;
  };
  std::vector<MomentLayer> moment_layers;
  std::map<int, std::vector<double>> moments;
  if (data.input_moments) {
    for (const Node& n : g.nodes) {
      if ((n.nb.code != fb::OpCode::CONV2D && n.nb.code != fb::OpCode::LINEAR) || n.nb.groups != 1) continue;
      const int w = n.input(1);
      if (!g.is_constant(w) || moments.count(w)) continue;
      const Shape ws = g.values[w].memory_shape();
      const int64_t cols = ws.empty() || ws[0] == 0 ? 0 : shape_numel(ws) / ws[0];
      if (cols <= 0 || cols > data.max_moment_cols) continue;
      const size_t index = static_cast<size_t>(std::find(watched.begin(), watched.end(), n.input(0)) - watched.begin());
      if (index == watched.size()) continue;
      moment_layers.push_back({&n, w, index, cols});
      moments[w].assign(static_cast<size_t>(cols * cols), 0.0);
    }
  }

  std::vector<ActivationSampler> samplers(watched.size());
  std::vector<std::vector<double>> sum_sq(watched.size());
  std::vector<uint64_t> rows(watched.size(), 0);
  for (const std::vector<float>& x : samples) {
    const Status set = session.value().set_input(0, x.data(), x.size());
    if (!set.is_ok()) throw Error(std::string("calibration: ") + set.message());
    const Status ran = session.value().run();
    if (!ran.is_ok()) throw Error(std::string("calibration: ") + ran.message());
    for (size_t k = 0; k < watched.size(); ++k) {
      const Value& v = g.values[watched[k]];
      const float* a = output_of[k] < 0 ? x.data() : session.value().output_data(static_cast<size_t>(output_of[k]));
      const int64_t numel = shape_numel(v.shape);
      const Shape mem = v.memory_shape();
      const int64_t channels = mem.empty() ? 1 : mem.back();
      samplers[k].add(a, static_cast<size_t>(numel));
      if (sum_sq[k].empty()) sum_sq[k].assign(static_cast<size_t>(channels), 0.0);
      for (int64_t i = 0; i < numel; ++i) sum_sq[k][static_cast<size_t>(i % channels)] += double(a[i]) * a[i];
      rows[k] += static_cast<uint64_t>(numel / channels);
    }
    for (const MomentLayer& m : moment_layers) {
      const size_t k = m.watched_index;
      const float* a = output_of[k] < 0 ? x.data() : session.value().output_data(static_cast<size_t>(output_of[k]));
      add_input_moment(*m.node, g.values[watched[k]].memory_shape(), a, m.cols, moments[m.weight]);
    }
  }
  ActivationStats stats;
  stats.samples = static_cast<int>(samples.size());
  stats.input_moment = std::move(moments);
  for (size_t k = 0; k < watched.size(); ++k) {
    std::vector<float> ms(sum_sq[k].size());
    for (size_t c = 0; c < ms.size(); ++c) ms[c] = static_cast<float>(sum_sq[k][c] / static_cast<double>(rows[k]));
    stats.channel_mean_square[watched[k]] = std::move(ms);
    const std::vector<float>& sample = samplers[k].sample();
    stats.range[watched[k]] = calibrate(sample.data(), sample.size(), data.method, 8, /*symmetric=*/false);
  }
  return stats;
}

std::string activation_ranges_json(const Graph& g, const ActivationStats& stats) {
  std::ostringstream os;
  os.precision(9);
  os << "{";
  bool first = true;
  for (const auto& [v, r] : stats.range) {
    os << (first ? "" : ",") << "\"";
    for (char c : g.values[v].name) {
      if (c == '"' || c == '\\') os << '\\';
      os << c;
    }
    os << "\":[" << r.lo << "," << r.hi << "]";
    first = false;
  }
  os << "}";
  return os.str();
}

}  // namespace nibble::convert::quant
