// resnet: classify CIFAR-10 records or PPM images with a nibble model and
// report accuracy, speed and memory.
//
//   resnet -m MODEL.nbl --cifar FILE.bin [--limit N] [--threads N]
//          [--backend xnnpack|reference] [--activations f32|int8] [--kernel-isa NAME]
//          [--logits-out FILE] [--json]
//   resnet -m MODEL.nbl --ppm IMAGE.ppm [--ppm ...]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/json_writer.h"
#include "common/process_stats.h"
#include "common/timer.h"
#include "nibble/nibble.hpp"
#include "common/cifar_reader.h"
#include "resnet/ppm_reader.h"

namespace {

using namespace nibble::examples;

const char* const kCifarClasses[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                       "dog",      "frog",       "horse", "ship", "truck"};

const char kUsage[] =
    "usage: resnet -m MODEL.nbl (--cifar FILE.bin | --ppm IMAGE.ppm ...) [options]\n"
    "\n"
    "Classifies images with a nibble model (input [1,3,H,W], normalised with\n"
    "mean 0.485/0.456/0.406 and std 0.229/0.224/0.225; output: class scores).\n"
    "\n"
    "  -m, --model FILE       model converted by nibble-convert\n"
    "  --cifar FILE           CIFAR-10 binary records (label byte + 3072 bytes CHW)\n"
    "  --ppm FILE             a binary PPM image (resized to the model input); repeatable\n"
    "  --limit N              classify at most N records\n"
    "  --threads N            worker threads (default 1; 0 = one per core)\n"
    "  --backend NAME         xnnpack (default) or reference\n"
    "  --activations P        f32 (default) or int8: what the fused kernels multiply\n"
    "                         quantized weights with (int8: per block of 32, on the fly)\n"
    "  --kernel-isa NAME      cap the fused kernels' level (scalar, avx2, avx512, avx512vnni,\n"
    "                         neon, neondot); default: the best this CPU has\n"
    "  --logits-out FILE      write every image's scores as float32, row-major\n"
    "  --json                 print the figures as one JSON object on the last line\n"
    "  -h, --help             this text\n";

struct Options {
  std::string model;
  std::string cifar;
  std::vector<std::string> ppm;
  std::string logits_out;
  long limit = -1;
  int threads = 1;
  nibble::Backend backend = nibble::Backend::kDefault;
  nibble::ActivationPrecision activations = nibble::ActivationPrecision::kF32;
  std::string kernel_isa;
  bool json = false;
};

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "-m" || a == "--model") {
      o.model = value();
    } else if (a == "--cifar") {
      o.cifar = value();
    } else if (a == "--ppm") {
      o.ppm.push_back(value());
    } else if (a == "--logits-out") {
      o.logits_out = value();
    } else if (a == "--limit") {
      o.limit = parse_int(a, value(), 1);
    } else if (a == "--threads") {
      o.threads = static_cast<int>(parse_int(a, value(), 0));
    } else if (a == "--backend") {
      const std::string b = value();
      if (b == "xnnpack") o.backend = nibble::Backend::kXnnpack;
      else if (b == "reference") o.backend = nibble::Backend::kReference;
      else usage_error("unknown backend '" + b + "' (xnnpack or reference)");
    } else if (a == "--activations") {
      const std::string p = value();
      if (p == "f32") o.activations = nibble::ActivationPrecision::kF32;
      else if (p == "int8") o.activations = nibble::ActivationPrecision::kInt8;
      else usage_error("unknown activation precision '" + p + "' (f32 or int8)");
    } else if (a == "--kernel-isa") {
      o.kernel_isa = value();
    } else if (a == "--json") {
      o.json = true;
    } else {
      usage_error("unknown option '" + a + "'");
    }
  }
  if (o.model.empty()) usage_error("missing -m MODEL.nbl");
  if (o.cifar.empty() == o.ppm.empty()) usage_error("give either --cifar FILE or --ppm FILE");
  return o;
}

size_t argmax(const float* scores, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (scores[i] > scores[best]) best = i;
  }
  return best;
}

struct Shapes {
  int channels, height, width;
  size_t num_classes;
};

Shapes check_model_shapes(const nibble::Model& model) {
  if (model.num_inputs() != 1 || model.num_outputs() != 1) fail("model must have one input and one output");
  const nibble::TensorInfo in = model.input(0);
  const nibble::TensorInfo out = model.output(0);
  if (in.rank != 4 || in.dims[0] != 1 || in.dims[1] != 3) {
    fail(std::string("model input '") + in.name + "' must be [1,3,H,W]");
  }
  return Shapes{3, static_cast<int>(in.dims[2]), static_cast<int>(in.dims[3]), static_cast<size_t>(out.numel)};
}

}  // namespace

int main(int argc, char** argv) {
  set_program_name("resnet");
  const Options opt = parse_args(argc, argv);
  try {
    nibble::Model model = check(nibble::Model::load_file(opt.model.c_str()));
    const Shapes shapes = check_model_shapes(model);
    nibble::SessionOptions session_options;
    session_options.num_threads = opt.threads;
    session_options.backend = opt.backend;
    session_options.activation_precision = opt.activations;
    session_options.kernel_isa = opt.kernel_isa.empty() ? nullptr : opt.kernel_isa.c_str();
    nibble::Session session = check(nibble::Session::create(model, session_options));
    std::printf("model: %s, %llu bytes (weights %llu), arena %llu bytes\n", opt.model.c_str(),
                static_cast<unsigned long long>(model.file_bytes()),
                static_cast<unsigned long long>(model.weight_bytes()),
                static_cast<unsigned long long>(model.arena_bytes()));
    std::printf("backend: %s (%zu of %zu ops on XNNPACK, %zu on the fused kernels: %s, %s activations), threads: %d\n",
                opt.backend == nibble::Backend::kReference ? "reference" : "xnnpack", session.num_xnnpack_ops(),
                model.num_operators(), session.num_fused_ops(), session.kernel_isa(),
                opt.activations == nibble::ActivationPrecision::kInt8 ? "int8" : "f32", opt.threads);
    std::printf("cpu: %s\n", nibble::cpu_description());

    float* input = session.input_data(0);
    const float* scores = session.output_data(0);
    auto classify = [&]() {
      nibble::Status status = session.run();
      if (!status.is_ok()) fail(status.message());
      return argmax(scores, shapes.num_classes);
    };

    if (!opt.ppm.empty()) {
      for (const std::string& path : opt.ppm) {
        const std::vector<uint8_t> planes = to_planes(read_ppm(path), shapes.height, shapes.width);
        normalize_chw(planes.data(), static_cast<size_t>(shapes.height) * shapes.width, input);
        const size_t cls = classify();
        const char* label = shapes.num_classes == 10 ? kCifarClasses[cls] : "";
        std::printf("%s: class %zu %s (score %.3f)\n", path.c_str(), cls, label, scores[cls]);
      }
      return 0;
    }

    if (shapes.height != kCifarSide || shapes.width != kCifarSide) fail("CIFAR images are 32x32; model input is not");
    const CifarFile cifar = read_cifar(opt.cifar);
    size_t count = cifar.count();
    if (opt.limit > 0 && static_cast<size_t>(opt.limit) < count) count = static_cast<size_t>(opt.limit);
    std::vector<float> logits;
    if (!opt.logits_out.empty()) logits.reserve(count * shapes.num_classes);

    std::vector<double> latencies;
    latencies.reserve(count);
    size_t correct = 0;
    const double start = now_seconds();
    for (size_t i = 0; i < count; ++i) {
      const CifarImage image = cifar.image(i);
      const double t0 = now_seconds();
      normalize_chw(image.planes, kCifarPixels, input);
      const size_t cls = classify();
      latencies.push_back(now_seconds() - t0);
      if (cls == image.label) ++correct;
      if (!opt.logits_out.empty()) logits.insert(logits.end(), scores, scores + shapes.num_classes);
    }
    const double elapsed = now_seconds() - start;

    if (!opt.logits_out.empty()) {
      std::ofstream out(opt.logits_out, std::ios::binary);
      out.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * 4));
      if (!out) fail(opt.logits_out + ": cannot write logits");
    }

    const double top1 = 100.0 * correct / count;
    const double images_per_s = count / elapsed;
    const double latency_ms = median(latencies) * 1e3;
    const uint64_t rss = peak_rss_bytes();
    std::printf("top-1: %.2f%% (%zu/%zu)\n", top1, correct, count);
    std::printf("speed: %.1f images/s, median latency %.3f ms\n", images_per_s, latency_ms);
    std::printf("memory: model %llu bytes, peak RSS %.1f MiB\n", static_cast<unsigned long long>(model.file_bytes()),
                rss / 1048576.0);
    if (opt.json) {
      JsonObject j;
      j.add("top1", top1)
          .add("images", static_cast<uint64_t>(count))
          .add("images_per_s", images_per_s)
          .add("latency_ms_median", latency_ms)
          .add("model_bytes", static_cast<uint64_t>(model.file_bytes()))
          .add("arena_bytes", static_cast<uint64_t>(model.arena_bytes()))
          .add("peak_rss_bytes", rss)
          .add("backend", std::string(opt.backend == nibble::Backend::kReference ? "reference" : "xnnpack"))
          .add("threads", static_cast<int64_t>(opt.threads))
          .add("fused_ops", static_cast<uint64_t>(session.num_fused_ops()))
          .add("kernel_isa", std::string(session.kernel_isa()))
          .add("activations", std::string(opt.activations == nibble::ActivationPrecision::kInt8 ? "int8" : "f32"));
      std::printf("%s\n", j.str().c_str());
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  return 0;
}
