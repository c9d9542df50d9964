// nibble-bench: every benchmark family in one run, one table per family,
// or with --json one JSON object per row (docs/BENCHMARKS.md):
//
//   nibble-bench [--filter REGEX] [--threads N] [--json] [--families a,b,..]
//                [--imagenet DIR] [--cache DIR]
//
// Families:
//   bandwidth  the machine's single-thread read and copy bandwidth, first
//   gemv       batch-1 Linear on every codec, weights beyond the LLC
//              (nibble-gemv-bench), f32 and int8 activations
//   gemm       batched Linear, M = 16 and 64   } nibble-gemm-bench
//   conv2d     ResNet/MobileNet layers         }
//   quant      the quantize/dequantize library (nibble-quant-bench)
//   model      whole models, quantized vs FP32 on XNNPACK (in process)
// The family binaries sit next to this one and are run with --json,
// --threads and --filter; --filter (ECMAScript regex) matches
// "family/codec/shape". Every row carries XNNPACK FP32's time on the same
// shape and threads where XNNPACK has the operation, and
// ratio_vs_xnnpack = time_us / xnnpack_time_us (below 1: faster).
//
// Do not run two benchmarks at once on a 2-core machine.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "driver/bandwidth.h"
#include "driver/bench_row.h"
#include "driver/model_family.h"
#include "nibble/nibble.hpp"

namespace {

using nibble::bench::Row;

struct Options {
  std::string filter = ".*";
  int threads = 1;
  bool json = false;
  std::set<std::string> families = {"bandwidth", "gemv", "gemm", "conv2d", "quant", "model"};
  std::string imagenet_dir = NIBBLE_BENCH_BUILD_DIR "/imagenet-onnx";
  std::string cache_dir = NIBBLE_BENCH_BUILD_DIR "/bench-models";
};

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--filter REGEX] [--threads N] [--json] [--families bandwidth,gemv,gemm,conv2d,quant,model]\n"
               "          [--imagenet DIR] [--cache DIR]\n",
               argv0);
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--filter" && has_value) {
      o->filter = argv[++i];
    } else if (arg == "--threads" && has_value) {
      o->threads = std::atoi(argv[++i]);
      if (o->threads < 1) {
        std::fprintf(stderr, "nibble-bench: --threads %s: need a positive count\n", argv[i]);
        return false;
      }
    } else if (arg == "--families" && has_value) {
      o->families.clear();
      std::string list = argv[++i];
      size_t start = 0;
      while (start <= list.size()) {
        const size_t comma = list.find(',', start);
        const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!name.empty()) o->families.insert(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (arg == "--imagenet" && has_value) {
      o->imagenet_dir = argv[++i];
    } else if (arg == "--cache" && has_value) {
      o->cache_dir = argv[++i];
    } else {
      usage(argv[0]);
      return false;
    }
  }
  return true;
}

std::string own_directory() {
  char buffer[4096];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return ".";
  buffer[n] = '\0';
  std::string path(buffer);
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a family binary with --json and collects its rows; its stderr
// (progress, skips) passes through.
bool run_child(const std::string& binary, const Options& o, std::vector<Row>* rows) {
  const std::string command =
      quote(binary) + " --json --threads " + std::to_string(o.threads) + " --filter " + quote(o.filter);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  std::string line;
  char buffer[4096];
  int unparsed = 0;
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    line += buffer;
    if (line.empty() || line.back() != '\n') continue;
    Row row;
    if (line[0] == '{' && nibble::bench::parse_row(line, &row)) {
      rows->push_back(row);
    } else if (line[0] == '{') {
      ++unparsed;
    }
    line.clear();
  }
  const int status = pclose(pipe);
  if (unparsed > 0) std::fprintf(stderr, "nibble-bench: %d rows of %s lack the contract fields\n", unparsed, binary.c_str());
  if (status != 0) {
    std::fprintf(stderr, "nibble-bench: %s failed (status %d)\n", command.c_str(), status);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, &o)) return 2;
  std::regex filter;
  try {
    filter = std::regex(o.filter);
  } catch (const std::regex_error& e) {
    std::fprintf(stderr, "nibble-bench: --filter '%s' is not a regular expression: %s\n", o.filter.c_str(), e.what());
    return 2;
  }
  const std::string dir = own_directory();
  bool ok = true;
  std::vector<Row> rows;
  if (!o.json) std::printf("nibble-bench, %d thread(s), filter '%s'\n%s\n", o.threads, o.filter.c_str(), nibble::cpu_description());

  // Bandwidth first: what every bandwidth-bound row is compared with.
  if (o.families.count("bandwidth")) {
    const nibble::bench::Bandwidth bw = nibble::bench::measure_bandwidth(size_t{512} << 20, 5);
    Row row;
    row.family = "bandwidth";
    row.codec = "-";
    row.shape = "512 MiB";
    row.threads = 1;
    row.time_us = (512.0 * (1 << 20)) / bw.read_gbps / 1e3;
    row.gbps = bw.read_gbps;
    row.pct_bandwidth = 100.0;
    char extra[128];
    std::snprintf(extra, sizeof(extra), ",\"read_gbps\":%.3f,\"copy_gbps\":%.3f", bw.read_gbps, bw.copy_gbps);
    row.extra_json = extra;
    rows.push_back(row);
    if (!o.json) std::printf("\nread bandwidth %.2f GB/s, copy %.2f GB/s (bytes read + written), 1 thread\n",
                             bw.read_gbps, bw.copy_gbps);
  }
  const std::pair<const char*, std::vector<const char*>> children[] = {
      {"nibble-gemv-bench", {"gemv"}},
      {"nibble-gemm-bench", {"gemm", "conv2d"}},
      {"nibble-quant-bench", {"quant"}},
  };
  for (const auto& [binary, families] : children) {
    bool wanted = false;
    for (const char* f : families) wanted = wanted || o.families.count(f) > 0;
    if (!wanted) continue;
    const std::string path = dir + "/" + binary;
    if (access(path.c_str(), X_OK) != 0) {
      std::fprintf(stderr, "nibble-bench: %s not built; skipping %s\n", path.c_str(), families[0]);
      continue;
    }
    std::vector<Row> child_rows;
    ok = run_child(path, o, &child_rows) && ok;
    for (const Row& r : child_rows) {
      if (o.families.count(r.family) && std::regex_search(nibble::bench::filter_key(r), filter)) rows.push_back(r);
    }
  }
  if (o.families.count("model")) {
    nibble::bench::ModelFamilyOptions m;
    m.converter = dir + "/../converter/nibble-convert";
    m.fixtures_dir = NIBBLE_BENCH_SOURCE_DIR "/tests/fixtures";
    m.imagenet_dir = o.imagenet_dir;
    m.cache_dir = o.cache_dir;
    m.threads = o.threads;
    m.filter = filter;
    for (const Row& r : nibble::bench::run_model_family(m)) rows.push_back(r);
  }

  if (o.json) {
    for (const Row& r : rows) std::printf("%s\n", nibble::bench::to_json(r).c_str());
  } else {
    std::map<std::string, std::vector<Row>> by_family;
    std::vector<std::string> order;
    for (const Row& r : rows) {
      if (r.family == "bandwidth") continue;
      if (!by_family.count(r.family)) order.push_back(r.family);
      by_family[r.family].push_back(r);
    }
    for (const std::string& f : order) nibble::bench::print_table(by_family[f]);
  }
  return ok ? 0 : 1;
}
