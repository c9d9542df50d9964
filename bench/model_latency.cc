// Batch-1 latency of whole models: reference backend vs XNNPACK, at 1 and
// 2 threads, in one run, so the ratios compare like with like.
//
//   nibble-bench-models MODEL.nbl [MODEL.nbl ...] [--min-seconds S]
//
// For each model and configuration: warm up, then run until at least S
// seconds (default 1) and 5 runs have passed; report the median and the
// minimum latency, and the reference/XNNPACK ratio per thread count.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nibble/nibble.hpp"

namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
  double median_ms = 0;
  double min_ms = 0;
  int runs = 0;
  bool ok = false;
};

Timing time_model(const nibble::Model& model, nibble::Backend backend, int threads, double min_seconds) {
  Timing t;
  nibble::SessionOptions options;
  options.backend = backend;
  options.num_threads = threads;
  nibble::Result<nibble::Session> session = nibble::Session::create(model, options);
  if (!session.is_ok()) {
    std::fprintf(stderr, "  session: %s\n", session.status().message());
    return t;
  }
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    float* x = session->input_data(i);
    for (uint64_t k = 0; k < model.input(i).numel; ++k) x[k] = dist(rng);
  }
  if (!session->run().is_ok()) return t;  // warm-up: caches, page faults
  std::vector<double> samples;
  const double start = seconds_now();
  while (samples.size() < 5 || seconds_now() - start < min_seconds) {
    const double t0 = seconds_now();
    if (!session->run().is_ok()) return t;
    samples.push_back((seconds_now() - t0) * 1e3);
    if (samples.size() >= 100000) break;
  }
  std::sort(samples.begin(), samples.end());
  t.median_ms = samples[samples.size() / 2];
  t.min_ms = samples.front();
  t.runs = static_cast<int>(samples.size());
  t.ok = true;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models;
  double min_seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--min-seconds") == 0 && i + 1 < argc) {
      min_seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: nibble-bench-models MODEL.nbl [MODEL.nbl ...] [--min-seconds S]\n");
      return 0;
    } else {
      models.push_back(argv[i]);
    }
  }
  if (models.empty()) {
    std::fprintf(stderr, "nibble-bench-models: no models given (see --help)\n");
    return 2;
  }
  std::printf("cpu: %s\n", nibble::cpu_description());
  std::printf("%-28s %-9s %7s %12s %12s %6s %18s\n", "model", "backend", "threads", "median ms", "min ms", "runs",
              "reference/xnnpack");
  for (const std::string& path : models) {
    nibble::Result<nibble::Model> model = nibble::Model::load_file(path.c_str());
    if (!model.is_ok()) {
      std::fprintf(stderr, "skip %s: %s\n", path.c_str(), model.status().message());
      continue;
    }
    std::string name = path.substr(path.find_last_of('/') + 1);
    for (int threads : {1, 2}) {
      const Timing ref = time_model(model.value(), nibble::Backend::kReference, threads, min_seconds);
      const Timing xnn = time_model(model.value(), nibble::Backend::kXnnpack, threads, min_seconds);
      std::printf("%-28s %-9s %7d %12.3f %12.3f %6d\n", name.c_str(), "reference", threads, ref.median_ms, ref.min_ms,
                  ref.runs);
      std::printf("%-28s %-9s %7d %12.3f %12.3f %6d %17.2fx\n", name.c_str(), "xnnpack", threads, xnn.median_ms,
                  xnn.min_ms, xnn.runs, xnn.ok && xnn.median_ms > 0 ? ref.median_ms / xnn.median_ms : 0.0);
    }
  }
  return 0;
}
