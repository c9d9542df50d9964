// Bandwidth of the quantization library (nibble/quant.h) against the
// machine's own copy bandwidth, at 1 and 2 threads, on pi-quant's
// benchmark size (27,264,000 elements):
//
//   nibble-quant-bench [--n N] [--runs R] [--threads 1,2] [--json] [--filter REGEX]
//
// Rows per thread count:
//   copy        memcpy of the f32 input into another buffer (read + write),
//               the reference: best of 5
//   copy (non-temporal stores)  the same copy with SSE2 streaming stores
//               (x86 only): the copy roofline when memcpy does not stream
//               (glibc streams only above x86_non_temporal_threshold,
//               3/4 of the shared cache it detects)
//   read        STREAM-style read of the f32 input (XOR of its words)
//   quantize    f32 -> u8, per tensor, nearest
//   dequantize  u8 -> f32, SET and ADD
//   params      f32 min/max -> u8 scale and zero point
// Each as GB/s of bytes moved (read + written; ADD reads its output too),
// best and median of R runs (default 10) after one warm-up, and as % of
// the same thread count's memcpy bandwidth (and, on x86, of the
// non-temporal copy). Multithreaded copies and reads
// split the buffer into one contiguous part per thread, as the library
// does. With --json: one JSON object per row, instead of the table, with
// nibble-bench's fields (family "quant", codec = the op, shape "n=N",
// time_us and gbps of the median run, pct_bandwidth = % of memcpy);
// XNNPACK has no per-tensor quantize of this kind, so xnnpack_time_us is
// null. --filter keeps the rows whose "quant/op/n=N" matches.
#include <pthreadpool.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/timer.h"
#include "nibble/nibble.h"
#include "nibble/quant.h"

namespace {

using nibble::examples::JsonObject;
using nibble::examples::now_seconds;

struct Options {
  size_t n = 27264000;
  int runs = 10;
  std::vector<int> threads = {1, 2};
  bool json = false;
  std::string filter = ".*";
};

bool parse_options(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      options->json = true;
    } else if (arg == "--filter" && i + 1 < argc) {
      options->filter = argv[++i];
    } else if (arg == "--n" && i + 1 < argc) {
      options->n = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--runs" && i + 1 < argc) {
      options->runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      options->threads.clear();
      for (const char* p = argv[++i]; *p != '\0';) {
        options->threads.push_back(std::max(1, std::atoi(p)));
        while (*p != '\0' && *p != ',') ++p;
        if (*p == ',') ++p;
      }
    } else {
      std::fprintf(stderr, "usage: %s [--n N] [--runs R] [--threads 1,2] [--json] [--filter REGEX]\n", argv[0]);
      return false;
    }
  }
  return options->n > 0 && !options->threads.empty();
}

// 64-byte aligned, every page touched (no first-touch faults in timings).
template <typename T>
T* allocate(size_t n) {
  const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
  T* p = static_cast<T*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) {
    std::fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    std::exit(1);
  }
  std::memset(p, 0, bytes);
  return p;
}

struct Stats {
  double best_s = 0;
  double median_s = 0;
};

Stats measure(int runs, const std::function<void()>& run) {
  run();  // warm-up
  std::vector<double> samples;
  for (int r = 0; r < runs; ++r) {
    const double t0 = now_seconds();
    run();
    samples.push_back(now_seconds() - t0);
  }
  std::sort(samples.begin(), samples.end());
  return {samples.front(), samples[samples.size() / 2]};
}

// Contiguous parts of [0, n) bytes, one per thread.
struct SplitJob {
  const uint8_t* src;
  uint8_t* dst;  // nullptr: read only
  size_t bytes;
  size_t parts;
  bool streaming;  // copy with non-temporal stores (x86)
  uint64_t xor_of_part[64];
};

#if defined(__SSE2__)
// 64-byte aligned buffers and parts: 16-byte loads and streaming stores.
void streaming_copy(const uint8_t* src, uint8_t* dst, size_t bytes) {
  size_t i = 0;
  for (; i + 64 <= bytes; i += 64) {
    const __m128i a = _mm_load_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m128i b = _mm_load_si128(reinterpret_cast<const __m128i*>(src + i + 16));
    const __m128i c = _mm_load_si128(reinterpret_cast<const __m128i*>(src + i + 32));
    const __m128i d = _mm_load_si128(reinterpret_cast<const __m128i*>(src + i + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
  }
  std::memcpy(dst + i, src + i, bytes - i);
  _mm_sfence();
}
#endif

void copy_or_read_part(void* context, size_t part) {
  SplitJob& job = *static_cast<SplitJob*>(context);
  const size_t per_part = (job.bytes / job.parts + 63) / 64 * 64;
  const size_t begin = std::min(job.bytes, part * per_part);
  const size_t end = std::min(job.bytes, begin + per_part);
  if (job.dst != nullptr) {
#if defined(__SSE2__)
    if (job.streaming) {
      streaming_copy(job.src + begin, job.dst + begin, end - begin);
      return;
    }
#endif
    std::memcpy(job.dst + begin, job.src + begin, end - begin);
    return;
  }
  // Eight independent XOR chains over 8-byte words (vectorizes without any
  // reassociation licence); the result is kept so the loads stay.
  uint64_t acc[8] = {};
  const size_t words = (end - begin) / 8;
  const uint8_t* p = job.src + begin;
  size_t w = 0;
  for (; w + 8 <= words; w += 8) {
    for (int k = 0; k < 8; ++k) {
      uint64_t v;
      std::memcpy(&v, p + (w + k) * 8, 8);
      acc[k] ^= v;
    }
  }
  uint64_t x = 0;
  for (int k = 0; k < 8; ++k) x ^= acc[k];
  job.xor_of_part[part] = x;
}

void split_run(pthreadpool_t pool, SplitJob* job) {
  if (pool == nullptr || job->parts == 1) {
    for (size_t part = 0; part < job->parts; ++part) copy_or_read_part(job, part);
    return;
  }
  pthreadpool_parallelize_1d(pool, copy_or_read_part, job, job->parts, 0);
}

void check(nibble_status status, const nibble_error& error, const char* what) {
  if (status != NIBBLE_OK) {
    std::fprintf(stderr, "%s: %s\n", what, error.message);
    std::exit(1);
  }
}

struct Row {
  int threads;
  std::string op;
  double bytes;
  Stats stats;
  double copy_gbps;     // this thread count's memcpy bandwidth (best)
  double nt_copy_gbps;  // and non-temporal copy's (0: not measured)
};

double gbps(double bytes, double seconds) { return bytes / seconds / 1e9; }

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) return 2;
  const size_t n = options.n;
  float* x = allocate<float>(n);
  float* x_copy = allocate<float>(n);
  uint8_t* q = allocate<uint8_t>(n);
  float* y = allocate<float>(n);
  // Activations-like data: a smooth signal plus spread.
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::sin(static_cast<float>(i % 100003) * 0.001f) * 3.0f + static_cast<float>(i % 97) * 0.01f;
  }

  std::vector<Row> rows;
  const char* isa = "?";
  for (int threads : options.threads) {
    nibble_quant_context* ctx = nullptr;
    nibble_error error{};
    check(nibble_quant_context_create(threads, &ctx, &error), error, "context");
    check(nibble_quant_isa(ctx, &isa, &error), error, "isa");
    pthreadpool_t pool = threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;

    const auto* source = reinterpret_cast<const uint8_t*>(x);
    const size_t input_bytes = n * sizeof(float);
    const size_t parts = static_cast<size_t>(threads);
    const double copy_bytes = 2.0 * input_bytes;
    double nt_copy_gbps = 0;
#if defined(__SSE2__)
    SplitJob nt_copy_job{source, reinterpret_cast<uint8_t*>(x_copy), input_bytes, parts, /*streaming=*/true, {}};
    const Stats nt_copy = measure(5, [&] { split_run(pool, &nt_copy_job); });
    nt_copy_gbps = gbps(copy_bytes, nt_copy.best_s);
#endif
    SplitJob copy_job{source, reinterpret_cast<uint8_t*>(x_copy), input_bytes, parts, /*streaming=*/false, {}};
    const Stats copy = measure(5, [&] { split_run(pool, &copy_job); });
    const double copy_gbps = gbps(copy_bytes, copy.best_s);
    rows.push_back({threads, "copy (memcpy)", copy_bytes, copy, copy_gbps, nt_copy_gbps});
#if defined(__SSE2__)
    rows.push_back({threads, "copy (non-temporal stores)", copy_bytes, nt_copy, copy_gbps, nt_copy_gbps});
#endif

    SplitJob read_job{source, nullptr, input_bytes, parts, /*streaming=*/false, {}};
    rows.push_back({threads, "read (stream)", 1.0 * input_bytes,
                    measure(options.runs, [&] { split_run(pool, &read_job); }), copy_gbps, nt_copy_gbps});

    float scale = 0;
    int64_t zero_point = 0;
    rows.push_back({threads, "quant_params f32 (u8)", 1.0 * n * sizeof(float),
                    measure(options.runs,
                            [&] {
                              check(nibble_quant_params_f32(ctx, x, n, NIBBLE_QTYPE_U8, &scale, &zero_point, &error),
                                    error, "params");
                            }),
                    copy_gbps, nt_copy_gbps});
    rows.push_back({threads, "quantize f32->u8", 1.0 * n * (sizeof(float) + 1),
                    measure(options.runs,
                            [&] {
                              check(nibble_quantize_f32(ctx, x, n, q, NIBBLE_QTYPE_U8, scale, zero_point,
                                                        NIBBLE_ROUND_NEAREST, 0, &error),
                                    error, "quantize");
                            }),
                    copy_gbps, nt_copy_gbps});
    rows.push_back({threads, "dequantize u8->f32 SET", 1.0 * n * (1 + sizeof(float)),
                    measure(options.runs,
                            [&] {
                              check(nibble_dequantize_f32(ctx, q, n, NIBBLE_QTYPE_U8, scale, zero_point, y,
                                                          NIBBLE_STORE_SET, &error),
                                    error, "dequantize");
                            }),
                    copy_gbps, nt_copy_gbps});
    rows.push_back({threads, "dequantize u8->f32 ADD", 1.0 * n * (1 + 2 * sizeof(float)),
                    measure(options.runs,
                            [&] {
                              check(nibble_dequantize_f32(ctx, q, n, NIBBLE_QTYPE_U8, scale, zero_point, y,
                                                          NIBBLE_STORE_ADD, &error),
                                    error, "dequantize");
                            }),
                    copy_gbps, nt_copy_gbps});
    if (pool != nullptr) pthreadpool_destroy(pool);
    nibble_quant_context_destroy(ctx);
  }

  const std::regex filter(options.filter);
  const std::string shape = "n=" + std::to_string(n);
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const Row& r) { return !std::regex_search("quant/" + r.op + "/" + shape, filter); }),
             rows.end());
  if (options.json) {
    for (const Row& r : rows) {
      JsonObject o;
      o.add("family", std::string("quant"))
          .add("codec", r.op)
          .add("shape", shape)
          .add("time_us", r.stats.median_s * 1e6)
          .add("gbps", gbps(r.bytes, r.stats.median_s))
          .add("pct_bandwidth", 100.0 * gbps(r.bytes, r.stats.median_s) / r.copy_gbps)
          .add_null("xnnpack_time_us")
          .add_null("ratio_vs_xnnpack");
      o.add("threads", static_cast<int64_t>(r.threads))
          .add("op", r.op)
          .add("n", static_cast<uint64_t>(n))
          .add("kernels", std::string(isa))
          .add("bytes", r.bytes)
          .add("best_gbps", gbps(r.bytes, r.stats.best_s))
          .add("median_gbps", gbps(r.bytes, r.stats.median_s))
          .add("best_pct_of_copy", 100.0 * gbps(r.bytes, r.stats.best_s) / r.copy_gbps)
          .add("median_pct_of_copy", 100.0 * gbps(r.bytes, r.stats.median_s) / r.copy_gbps)
          .add("best_pct_of_nt_copy", r.nt_copy_gbps > 0 ? 100.0 * gbps(r.bytes, r.stats.best_s) / r.nt_copy_gbps : 0.0)
          .add("best_ms", r.stats.best_s * 1e3)
          .add("median_ms", r.stats.median_s * 1e3);
      std::printf("%s\n", o.str().c_str());
    }
  } else {
    std::printf("nibble-quant-bench: n = %zu, kernels %s, %d runs (copy: best of 5)\n%s\n\n", n, isa, options.runs,
                nibble_cpu_description());
    std::printf(
        "| threads | op | MB moved | best GB/s | median GB/s | best %% of copy | median %% of copy | best %% of "
        "non-temporal copy |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (const Row& r : rows) {
      char nt[32] = "-";
      if (r.nt_copy_gbps > 0)
        std::snprintf(nt, sizeof(nt), "%.1f%%", 100.0 * gbps(r.bytes, r.stats.best_s) / r.nt_copy_gbps);
      std::printf("| %d | %s | %.0f | %.2f | %.2f | %.1f%% | %.1f%% | %s |\n", r.threads, r.op.c_str(), r.bytes / 1e6,
                  gbps(r.bytes, r.stats.best_s), gbps(r.bytes, r.stats.median_s),
                  100.0 * gbps(r.bytes, r.stats.best_s) / r.copy_gbps,
                  100.0 * gbps(r.bytes, r.stats.median_s) / r.copy_gbps, nt);
    }
  }
  std::free(x);
  std::free(x_copy);
  std::free(q);
  std::free(y);
  return 0;
}
