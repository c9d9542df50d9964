// Batch-1 GEMV (kernels/gemv/gemv.h) on GPT-2 shapes, one thread, with the
// weights far beyond the last-level cache, against the machine's read
// bandwidth and XNNPACK's FP32 fully-connected operator:
//
//   nibble-gemv-bench [--isa scalar|avx2|avx512|avx512vnni] [--mib M] [--runs R]
//                     [--act f32|int8|both] [--formats a,b,...] [--shapes KxN,...]
//                     [--threads N] [--filter REGEX] [--json]
//
// --threads N splits each GEMV's rows over a pool in tasks of 64 (as the
// runtime does; XNNPACK gets the same pool); --filter keeps the rows whose
// "gemv/<format>[+int8]/<K>x<N>" matches; --json rows carry nibble-bench's
// fields (docs/BENCHMARKS.md) before this bench's own.
//
// --act: the activation type: f32 (gemv.h) or int8 (gemv_q8.h: x is
// quantized per block of 32, inside the timed GEMV, since that happens
// once per GEMV), or both (default; rows labelled by it).
//
// Per shape (K x N = reduction x outputs) and format:
//   - one matrix is encoded, then copied into as many 64-byte aligned
//     segments as it takes to hold at least M MiB (default: the larger of
//     512 MiB and 8x the L3 size, from sysfs), so every GEMV reads its weights from
//     DRAM (the copies are distinct memory; their equal contents do not
//     matter to a cache);
//   - a pass runs one GEMV per copy, in order; time per GEMV = pass time /
//     copies, median (and best) of R passes (default 7) after one warm-up;
//   - weight GB/s = segment bytes (codes + scales) / time per GEMV;
//   - read GB/s: a STREAM-style read (XOR of every 8-byte word, 8
//     independent chains) of the very same buffer, median of R passes
//     alternating with the GEMV passes (this VM's bandwidth drifts), so
//     "% read" is the kernel's share of what one core can stream from
//     those pages at that time;
//   - XNNPACK: xnn_create_fully_connected_nc_f32 (the 2022 API nibble's
//     backend uses) for as many operators, each with its own packed copy
//     of an FP32 matrix, as make M MiB, run one after another on the
//     calling thread (no pool);
//   - "x XNNPACK" = XNNPACK's time / this format's time; "/ q4_0" = this
//     format's time / q4_0's on the same shape with the same activation
//     type; JSON rows carry "act" ("f32" or "int8").
// The first copy's result is checked against the scalar reference (the
// tolerance of tests/gemv) before timing; a mismatch aborts the run.
#if NIBBLE_GEMV_BENCH_XNNPACK
#include <xnnpack.h>
#endif
#include <pthreadpool.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "codec/decode_range.h"
#include "codec/encode.h"
#include "codec/packed_weights.h"
#include "common/json_writer.h"
#include "common/timer.h"
#include "cpu/cpu_features.h"
#include "gemv/gemv.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_rows4.h"

namespace {

using nibble::codec::Format;
using nibble::codec::Granularity;
using nibble::codec::ScaleType;
using nibble::examples::JsonObject;
using nibble::examples::now_seconds;
namespace codec = nibble::codec;
namespace gemv = nibble::gemv;

struct Shape {
  int64_t k;  // reduction (cols)
  int64_t n;  // outputs (rows)
};

struct FormatSpec {
  const char* name;
  Format format;
  int bits;
  Granularity granularity;
  int64_t group_size;
  ScaleType scale_type;
  bool symmetric = true;  // kInt: false = a zero point per scale
  bool rows4 = false;     // repacked as sessions do (gemv_q8_rows4.h): int8, VNNI only
};

// The default lut codec first (lut:4 = TableCodec 4-bit, e8 per 16).
const FormatSpec kFormats[] = {
    {"q4_0", Format::kQ4_0, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"q4_0_rows4", Format::kQ4_0, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q8_0", Format::kQ8_0, 8, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut4", Format::kTable, 4, Granularity::kGroup, 16, ScaleType::kE8},
    {"lut4_g32_f16", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kF16},
    {"lut4_g32_f16_rows4", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut4_g32_e8", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kE8},
    {"lut4_g32_e8_rows4", Format::kTable, 4, Granularity::kGroup, 32, ScaleType::kE8, true, true},
    {"lut4_channel", Format::kTable, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut4_channel_rows4", Format::kTable, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"int4_rows4", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int4_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16},
    {"int4_g32_f16_rows4", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int8", Format::kInt, 8, Granularity::kChannel, 0, ScaleType::kF32},
    // The other ggml blocks, and the widths and layouts of the int8 path.
    {"q4_1", Format::kQ4_1, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"q4_1_rows4", Format::kQ4_1, 4, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"q5_0", Format::kQ5_0, 5, Granularity::kChannel, 0, ScaleType::kF32},
    {"q5_1", Format::kQ5_1, 5, Granularity::kChannel, 0, ScaleType::kF32},
    {"int4_asym_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, false},
    {"int4_asym_g32_f16_rows4", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16, false, true},
    {"lut3", Format::kTable, 3, Granularity::kGroup, 16, ScaleType::kE8},
    {"int3_g32_f16", Format::kInt, 3, Granularity::kGroup, 32, ScaleType::kF16},
    {"int3_g32_f16_rows4", Format::kInt, 3, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut2", Format::kTable, 2, Granularity::kGroup, 16, ScaleType::kE8},
    {"int2_asym_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, false},
    {"lut5_g32_f16", Format::kTable, 5, Granularity::kGroup, 32, ScaleType::kF16},
    {"lut8_g32_f16", Format::kTable, 8, Granularity::kGroup, 32, ScaleType::kF16},
    {"int8_asym_g32_f16", Format::kInt, 8, Granularity::kGroup, 32, ScaleType::kF16, false},
    {"f16", Format::kF16, 16, Granularity::kChannel, 0, ScaleType::kF32},
    {"bf16", Format::kBF16, 16, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut3_g32_f16", Format::kTable, 3, Granularity::kGroup, 32, ScaleType::kF16},
    {"lut3_g32_f16_rows4", Format::kTable, 3, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut3_channel", Format::kTable, 3, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut3_channel_rows4", Format::kTable, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"lut2_g32_f16", Format::kTable, 2, Granularity::kGroup, 32, ScaleType::kF16},
    {"lut2_g32_f16_rows4", Format::kTable, 2, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"lut2_channel", Format::kTable, 2, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut2_channel_rows4", Format::kTable, 2, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int3", Format::kInt, 3, Granularity::kChannel, 0, ScaleType::kF32},
    {"int3_rows4", Format::kInt, 3, Granularity::kChannel, 0, ScaleType::kF32, true, true},
    {"int2_g32_f16", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16},
    {"int2_g32_f16_rows4", Format::kInt, 2, Granularity::kGroup, 32, ScaleType::kF16, true, true},
    {"int2", Format::kInt, 2, Granularity::kChannel, 0, ScaleType::kF32},
    {"int2_rows4", Format::kInt, 2, Granularity::kChannel, 0, ScaleType::kF32, true, true},
};

enum class Act { kF32, kInt8 };
const char* act_name(Act a) { return a == Act::kF32 ? "f32" : "int8"; }

struct Options {
  bool json = false;
  int runs = 7;
  double mib = 0;  // 0: max(512, 8 x L3)
  bool forced = false;
  gemv::Isa isa = gemv::Isa::kScalar;
  std::vector<Act> acts = {Act::kF32, Act::kInt8};
  std::vector<std::string> formats;  // empty: all, and XNNPACK
  std::vector<Shape> shapes = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}, {4096, 4096}};
  int threads = 1;
  pthreadpool_t pool = nullptr;  // threads > 1: rows split over it (and XNNPACK's)
  std::string filter = ".*";     // regex over "gemv/<format>[+int8]/<K>x<N>"
};

// The key --filter matches, as nibble-bench's driver does.
std::string row_key(const std::string& format, Act act, Shape s) {
  return "gemv/" + format + (act == Act::kInt8 ? "+int8" : "") + "/" + std::to_string(s.k) + "x" +
         std::to_string(s.n);
}

// A GEMV split over the pool in tasks of 64 output rows (what the
// runtime's fused LINEAR does); any split gives the same bits.
struct GemvJob {
  gemv::Isa isa;
  const codec::PackedWeights* m;
  const float* x;
  const gemv::Q8Activations* xq;  // int8 path, else null
  const gemv::Rows4Weights* rows4;  // repacked (rows4 formats), else null
  const float* bias;
  float* y;
  int64_t n;
};

void gemv_rows(void* context, size_t task) {
  const GemvJob& j = *static_cast<const GemvJob*>(context);
  const int64_t r0 = static_cast<int64_t>(task) * 64;
  const int64_t r1 = std::min<int64_t>(r0 + 64, j.n);
  if (j.rows4 != nullptr) {
    gemv::gemv_q8_rows4(*j.rows4, *j.xq, j.bias, j.y, r0, r1);
  } else if (j.xq != nullptr) {
    gemv::gemv_q8_on(j.isa, *j.m, *j.xq, j.bias, j.y, r0, r1);
  } else {
    gemv::gemv_on(j.isa, *j.m, j.x, j.bias, j.y, r0, r1);
  }
}

std::vector<std::string> split(const char* s) {
  std::vector<std::string> parts;
  std::string cur;
  for (const char* p = s;; ++p) {
    if (*p == ',' || *p == '\0') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur += *p;
    }
  }
  return parts;
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--runs" && has_value) {
      o->runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--mib" && has_value) {
      o->mib = std::atof(argv[++i]);
    } else if (arg == "--isa" && has_value) {
      o->forced = true;
      if (!gemv::parse_isa(argv[++i], &o->isa) || !gemv::isa_available(o->isa)) {
        std::fprintf(stderr, "--isa %s: unknown or not available on this CPU\n", argv[i]);
        return false;
      }
    } else if (arg == "--act" && has_value) {
      const std::string a = argv[++i];
      if (a == "f32") {
        o->acts = {Act::kF32};
      } else if (a == "int8") {
        o->acts = {Act::kInt8};
      } else if (a == "both") {
        o->acts = {Act::kF32, Act::kInt8};
      } else {
        std::fprintf(stderr, "--act %s: f32, int8 or both\n", a.c_str());
        return false;
      }
    } else if (arg == "--threads" && has_value) {
      o->threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--filter" && has_value) {
      o->filter = argv[++i];
    } else if (arg == "--formats" && has_value) {
      o->formats = split(argv[++i]);
    } else if (arg == "--shapes" && has_value) {
      o->shapes.clear();
      for (const std::string& s : split(argv[++i])) {
        Shape shape{};
        if (std::sscanf(s.c_str(), "%ldx%ld", &shape.k, &shape.n) != 2 || shape.k <= 0 || shape.n <= 0) return false;
        o->shapes.push_back(shape);
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--isa scalar|avx2|avx512|avx512vnni] [--mib M] [--runs R] [--act f32|int8|both] "
                   "[--formats a,b,...|xnnpack] "
                   "[--shapes KxN,...] [--threads N] [--filter REGEX] [--json]\n",
                   argv[0]);
      return false;
    }
  }
  return true;
}

bool wanted(const Options& o, const std::string& name) {
  return o.formats.empty() || std::find(o.formats.begin(), o.formats.end(), name) != o.formats.end();
}

// L3 size in bytes (0 if unknown): what the kernel reports in sysfs (as
// lscpu does), else glibc's guess (which this VM inflates tenfold).
double l3_bytes() {
  if (FILE* f = std::fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r")) {
    double kib = 0;
    const bool ok = std::fscanf(f, "%lfK", &kib) == 1;
    std::fclose(f);
    if (ok && kib > 0) return kib * 1024;
  }
#ifdef _SC_LEVEL3_CACHE_SIZE
  const long v = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (v > 0) return static_cast<double>(v);
#endif
  return 0;
}

// 64-byte aligned, every page touched before timing.
uint8_t* allocate(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) {
    std::fprintf(stderr, "out of memory (%zu bytes)\n", bytes);
    std::exit(1);
  }
  std::memset(p, 0, bytes);
  return p;
}

std::vector<float> normal_vector(size_t n, uint32_t seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

struct Stats {
  double median_s = 0;
  double best_s = 0;
};

Stats stats_of(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front()};
}

// One warm-up of each, then `runs` rounds of (pass a, pass b), so both see
// the same conditions (this VM's memory bandwidth drifts by 20% or more
// between runs); returns their times.
void measure_pair(int runs, const std::function<void()>& a, const std::function<void()>& b, Stats* sa, Stats* sb) {
  a();
  b();
  std::vector<double> ta, tb;
  for (int r = 0; r < runs; ++r) {
    double t0 = now_seconds();
    a();
    ta.push_back(now_seconds() - t0);
    t0 = now_seconds();
    b();
    tb.push_back(now_seconds() - t0);
  }
  *sa = stats_of(ta);
  *sb = stats_of(tb);
}

// STREAM-style read: XOR of every 8-byte word, 8 independent chains (the
// compiler vectorizes it without reassociating anything).
volatile uint64_t g_sink;
void read_all(const uint8_t* p, size_t bytes) {
  uint64_t acc[8] = {};
  const size_t words = bytes / 8;
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
  g_sink = x;
}

// One weight matrix of shape `s` in format `f`, encoded like the converter
// would (absmax scales; lut: a 16-level table at normal quantiles).
struct Encoded {
  codec::WeightLayout layout;
  codec::SegmentLayout seg;
  std::vector<uint8_t> bytes;
  std::vector<float> table;
};

bool encode(const FormatSpec& f, Shape s, const std::vector<float>& w, Encoded* e) {
  codec::WeightLayout& l = e->layout;
  l.format = f.format;
  l.bits = f.bits;
  l.symmetric = f.symmetric;
  l.granularity = f.granularity;
  l.group_size = f.group_size;
  l.scale_type = f.scale_type;
  l.rows = s.n;
  l.cols = s.k;
  if (!codec::compute_segment_layout(l, &e->seg, nullptr)) return false;
  codec::EncodeParams params;
  std::vector<float> scales;
  std::vector<uint8_t> zero_points;
  if (f.format == Format::kInt || f.format == Format::kTable) {
    float level = static_cast<float>((1 << (f.bits - 1)) - 1);
    if (!f.symmetric) {
      // Affine: codes 0 .. 2^bits - 1 around a zero point in the middle.
      level = static_cast<float>(1 << (f.bits - 1));
      zero_points.assign(e->seg.num_scales, static_cast<uint8_t>(1 << (f.bits - 1)));
      params.zero_points = zero_points.data();
    }
    if (f.format == Format::kTable && f.bits <= 4 && f.bits >= 2) {
      const float q[16] = {-2.4f, -1.8f, -1.4f, -1.05f, -0.75f, -0.5f, -0.25f, 0.0f,
                           0.2f,  0.45f, 0.7f,  1.0f,   1.3f,   1.7f,  2.2f,   2.7f};
      const float q3[8] = {-2.0f, -1.2f, -0.65f, -0.2f, 0.2f, 0.65f, 1.2f, 2.1f};
      const float q2[4] = {-1.5f, -0.45f, 0.45f, 1.6f};
      if (f.bits == 4) e->table.assign(q, q + 16);
      if (f.bits == 3) e->table.assign(q3, q3 + 8);
      if (f.bits == 2) e->table.assign(q2, q2 + 4);
      level = 0;
      for (float v : e->table) level = std::max(level, std::fabs(v));
      params.table_kind = codec::TableKind::kLut;
      params.table = e->table.data();
    } else if (f.format == Format::kTable) {
      // Other sizes: evenly spaced levels in [-1, 1] (the speed does not
      // depend on the values).
      const int n = 1 << f.bits;
      for (int i = 0; i < n; ++i) e->table.push_back(-1.0f + 2.0f * static_cast<float>(i) / static_cast<float>(n - 1));
      level = 1.0f;
      params.table_kind = codec::TableKind::kLut;
      params.table = e->table.data();
    }
    scales.assign(e->seg.num_scales, 0.0f);
    for (int64_t r = 0; r < s.n; ++r) {
      for (int64_t c = 0; c < s.k; ++c) {
        float& m = scales[codec::scale_index(l, e->seg, r, c)];
        m = std::max(m, std::fabs(w[static_cast<size_t>(r * s.k + c)]));
      }
    }
    // Affine: a zero point per scale in the middle, the scale covering
    // [-amax, amax] with all 2^bits codes.
    if (!f.symmetric) level = static_cast<float>((1 << f.bits) - 1) / 2.0f;
    for (float& m : scales) m = m > 0 ? m / level : 1.0f;
    params.scales = scales.data();
  }
  e->bytes.assign(e->seg.total_bytes, 0);
  return codec::encode_weights(l, e->seg, w.data(), params, e->bytes.data());
}

struct Row {
  Shape shape;
  std::string format;
  std::string act = "f32";
  double bits_per_weight = 0;
  double bytes_per_gemv = 0;
  size_t copies = 0;
  Stats t;
  Stats read;  // seconds to read the same buffer
  double total_bytes = 0;
};

double gbps(double bytes, double s) { return bytes / s / 1e9; }

// Runs `f` on `s` over copies of one encoded matrix; false if the result
// disagrees with the scalar reference.
bool bench_format(const Options& o, const FormatSpec& f, Act act, Shape s, const std::vector<float>& w,
                  const std::vector<float>& x, const std::vector<float>& bias, double target_bytes, Row* row) {
  Encoded e;
  if (!encode(f, s, w, &e)) {
    std::fprintf(stderr, "%s: cannot encode %ldx%ld\n", f.name, s.k, s.n);
    return false;
  }
  const size_t stride = (e.seg.total_bytes + 63) / 64 * 64;
  const size_t copies = static_cast<size_t>(std::ceil(target_bytes / static_cast<double>(stride)));
  uint8_t* buffer = allocate(stride * copies);
  for (size_t i = 0; i < copies; ++i) std::memcpy(buffer + i * stride, e.bytes.data(), e.seg.total_bytes);
  std::vector<codec::PackedWeights> mats(copies);
  for (size_t i = 0; i < copies; ++i) {
    mats[i].layout = e.layout;
    mats[i].segment = e.seg;
    mats[i].data = buffer + i * stride;
    mats[i].table = e.table.empty() ? nullptr : e.table.data();
  }
  std::vector<float> y(static_cast<size_t>(s.n)), expected(static_cast<size_t>(s.n));
  const gemv::Isa isa = o.forced ? o.isa : gemv::default_isa();
  // rows4: the same copies repacked (the row's format is what a session
  // runs for Q4_0 with int8 activations on this level); none elsewhere.
  std::vector<gemv::Rows4Weights> rows4;
  uint8_t* rows4_buffer = nullptr;
  if (f.rows4) {
    if (act != Act::kInt8 || !gemv::can_use_rows4(isa, mats[0])) {
      std::free(buffer);
      return true;  // row->format stays empty: no row
    }
    const size_t rstride = (gemv::rows4_bytes(mats[0]) + 63) / 64 * 64;
    rows4_buffer = allocate(rstride * copies);
    for (size_t i = 0; i < copies; ++i) {
      gemv::repack_rows4(mats[i], rows4_buffer + i * rstride);
      rows4.push_back(gemv::rows4_weights(mats[i], rows4_buffer + i * rstride));
    }
  }
  auto index_of = [&](const codec::PackedWeights& m) { return static_cast<size_t>(&m - mats.data()); };
  uint8_t* q8_buffer = allocate(gemv::q8_activation_bytes(s.k));
  gemv::Q8Activations xq;
  auto run = [&](const codec::PackedWeights& m) {
    if (o.pool != nullptr) {
      GemvJob job{isa, &m, x.data(), nullptr, rows4.empty() ? nullptr : &rows4[index_of(m)], bias.data(), y.data(), s.n};
      if (act == Act::kInt8) {
        xq = gemv::quantize_activations(isa, x.data(), s.k, q8_buffer);
        job.xq = &xq;
      }
      pthreadpool_parallelize_1d(o.pool, gemv_rows, &job, static_cast<size_t>((s.n + 63) / 64), 0);
      return;
    }
    if (act == Act::kInt8) {
      // Quantizing x is part of every int8 GEMV.
      xq = gemv::quantize_activations(isa, x.data(), s.k, q8_buffer);
      if (!rows4.empty()) {
        gemv::gemv_q8_rows4(rows4[index_of(m)], xq, bias.data(), y.data(), 0, s.n);
      } else {
        gemv::gemv_q8_on(isa, m, xq, bias.data(), y.data(), 0, s.n);
      }
    } else if (o.forced) {
      gemv::gemv_on(o.isa, m, x.data(), bias.data(), y.data(), 0, s.n);
    } else {
      gemv::gemv(m, x.data(), bias.data(), y.data(), 0, s.n);
    }
  };

  // Check before timing (tolerance of tests/gemv/gemv_accuracy_test.cc;
  // int8: against the int8 path's reference, counting the code range the
  // kernels' offset correction cancels).
  run(mats[0]);
  if (act == Act::kInt8) {
    gemv::gemv_q8_reference(mats[0], xq, bias.data(), expected.data(), 0, s.n);
  } else {
    gemv::gemv_on(gemv::Isa::kScalar, mats[0], x.data(), bias.data(), expected.data(), 0, s.n);
  }
  std::vector<float> decoded(static_cast<size_t>(s.k));
  const double code_range = act == Act::kInt8 ? 2.0 * (1 << f.bits) : 0.0;
  for (int64_t r = 0; r < s.n; ++r) {
    codec::decode_range(mats[0], r, 0, s.k, decoded.data());
    double mag = std::fabs(bias[r]);
    for (int64_t c = 0; c < s.k; ++c) {
      mag += std::fabs(static_cast<double>(decoded[c]) * x[c]);
      if (code_range > 0) mag += std::fabs(codec::scale_at(mats[0], r, c) * code_range * x[c]);
    }
    if (std::fabs(static_cast<double>(y[r]) - expected[r]) > static_cast<double>(s.k + 8) * FLT_EPSILON * mag) {
      std::fprintf(stderr, "%s %ldx%ld: row %ld is %g, reference %g\n", f.name, s.k, s.n, r, y[r], expected[r]);
      std::free(buffer);
      std::free(rows4_buffer);
      std::free(q8_buffer);
      return false;
    }
  }

  row->shape = s;
  row->format = f.name;
  row->act = act_name(act);
  row->bytes_per_gemv = static_cast<double>(e.seg.total_bytes);
  row->bits_per_weight = 8.0 * row->bytes_per_gemv / static_cast<double>(s.k * s.n);
  row->copies = copies;
  row->total_bytes = static_cast<double>(stride * copies);
  Stats pass;
  measure_pair(
      o.runs, [&] { for (size_t i = 0; i < copies; ++i) run(mats[i]); },
      [&] { read_all(buffer, stride * copies); }, &pass, &row->read);
  row->t = {pass.median_s / copies, pass.best_s / copies};
  std::free(buffer);
  std::free(rows4_buffer);
  std::free(q8_buffer);
  return true;
}

#if NIBBLE_GEMV_BENCH_XNNPACK
bool bench_xnnpack(const Options& o, Shape s, const std::vector<float>& w, const std::vector<float>& x,
                   const std::vector<float>& bias, double target_bytes, Row* row) {
  const double bytes = static_cast<double>(s.k * s.n + s.n) * sizeof(float);  // packed weights + bias
  const size_t ops = static_cast<size_t>(std::ceil(target_bytes / bytes));
  std::vector<xnn_operator_t> fc(ops, nullptr);
  std::vector<float> y(static_cast<size_t>(s.n));
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < ops; ++i) {
    if (xnn_create_fully_connected_nc_f32(static_cast<size_t>(s.k), static_cast<size_t>(s.n), static_cast<size_t>(s.k),
                                          static_cast<size_t>(s.n), w.data(), bias.data(), -inf, inf, 0,
                                          &fc[i]) != xnn_status_success ||
        xnn_setup_fully_connected_nc_f32(fc[i], 1, x.data(), y.data(), o.pool) != xnn_status_success) {
      std::fprintf(stderr, "XNNPACK: cannot create a %ldx%ld fully-connected operator\n", s.k, s.n);
      return false;
    }
  }
  row->shape = s;
  row->format = "xnnpack_f32";
  row->bytes_per_gemv = bytes;
  row->bits_per_weight = 8.0 * bytes / static_cast<double>(s.k * s.n);
  row->copies = ops;
  row->total_bytes = bytes * static_cast<double>(ops);
  // The read reference for XNNPACK: a buffer of the same total size (its
  // packed weights are private).
  uint8_t* buffer = allocate(static_cast<size_t>(row->total_bytes));
  Stats pass;
  measure_pair(
      o.runs, [&] { for (size_t i = 0; i < ops; ++i) xnn_run_operator(fc[i], o.pool); },
      [&] { read_all(buffer, static_cast<size_t>(row->total_bytes)); }, &pass, &row->read);
  row->t = {pass.median_s / ops, pass.best_s / ops};
  std::free(buffer);
  for (xnn_operator_t op : fc) xnn_delete_operator(op);
  return true;
}
#endif

const Row* find(const std::vector<Row>& rows, Shape s, const char* format, const std::string& act) {
  for (const Row& r : rows) {
    if (r.shape.k == s.k && r.shape.n == s.n && r.format == format && r.act == act) return &r;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) return 2;
  const double l3 = l3_bytes();
  const double target = (o.mib > 0 ? o.mib : std::max(512.0, 8.0 * l3 / (1 << 20))) * (1 << 20);
  const gemv::Isa isa = o.forced ? o.isa : gemv::default_isa();
#if NIBBLE_GEMV_BENCH_XNNPACK
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnn_initialize failed\n");
    return 1;
  }
#endif

  std::regex filter;
  try {
    filter = std::regex(o.filter);
  } catch (const std::regex_error&) {
    std::fprintf(stderr, "--filter %s: not a regular expression\n", o.filter.c_str());
    return 2;
  }
  if (o.threads > 1) o.pool = pthreadpool_create(static_cast<size_t>(o.threads));

  std::vector<Row> rows;
  for (const Shape& s : o.shapes) {
    bool any = false;
    for (Act act : o.acts) {
      for (const FormatSpec& f : kFormats) any = any || (wanted(o, f.name) && std::regex_search(row_key(f.name, act, s), filter));
    }
    if (!any && !std::regex_search(row_key("xnnpack_f32", Act::kF32, s), filter)) continue;
    const std::vector<float> w = normal_vector(static_cast<size_t>(s.k * s.n), 1, 0.02f);
    const std::vector<float> x = normal_vector(static_cast<size_t>(s.k), 2, 1.0f);
    const std::vector<float> bias = normal_vector(static_cast<size_t>(s.n), 3, 0.1f);
    for (Act act : o.acts) {
      for (const FormatSpec& f : kFormats) {
        if (!wanted(o, f.name) || !std::regex_search(row_key(f.name, act, s), filter)) continue;
        Row row;
        if (!bench_format(o, f, act, s, w, x, bias, target, &row)) return 1;
        if (!row.format.empty()) rows.push_back(row);
      }
    }
#if NIBBLE_GEMV_BENCH_XNNPACK
    if (wanted(o, "xnnpack")) {
      Row row;
      if (!bench_xnnpack(o, s, w, x, bias, target, &row)) return 1;
      rows.push_back(row);
    }
#endif
  }

  if (!o.json) {
    std::printf("nibble-gemv-bench: level %s, %d thread(s), %d runs (median), >= %.0f MiB of weights per case (L3 %.0f MiB)\n",
                gemv::isa_name(isa), o.threads, o.runs, target / (1 << 20), l3 / (1 << 20));
    std::printf("%s\n\n", nibble::cpu_features().description);
    std::printf("| K x N | format | act | bits/w | copies | us/GEMV | weight GB/s | read GB/s | %% of read | x XNNPACK | "
                "/ q4_0 |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  }
  for (const Row& r : rows) {
    const Row* xnn = find(rows, r.shape, "xnnpack_f32", "f32");
    const Row* q4 = find(rows, r.shape, "q4_0", r.act);  // same activation type
    const double weight_gbps = gbps(r.bytes_per_gemv, r.t.median_s);
    const double read_gbps = gbps(r.total_bytes, r.read.median_s);
    const double vs_xnn = xnn != nullptr ? xnn->t.median_s / r.t.median_s : 0;
    const double vs_q4 = q4 != nullptr ? r.t.median_s / q4->t.median_s : 0;
    char shape[32];
    std::snprintf(shape, sizeof(shape), "%ldx%ld", r.shape.k, r.shape.n);
    if (o.json) {
      JsonObject j;
      // nibble-bench's fields first (docs/BENCHMARKS.md), then this
      // bench's own.
      j.add("family", std::string("gemv"))
          .add("codec", r.format + (r.act == "int8" ? "+int8" : ""))
          .add("shape", std::string(shape))
          .add("threads", static_cast<int64_t>(o.threads))
          .add("time_us", r.t.median_s * 1e6)
          .add("gbps", weight_gbps)
          .add("pct_bandwidth", 100.0 * weight_gbps / read_gbps);
      if (xnn != nullptr) {
        j.add("xnnpack_time_us", xnn->t.median_s * 1e6).add("ratio_vs_xnnpack", r.t.median_s / xnn->t.median_s);
      } else {
        j.add_null("xnnpack_time_us").add_null("ratio_vs_xnnpack");
      }
      j.add("k", static_cast<int64_t>(r.shape.k))
          .add("n", static_cast<int64_t>(r.shape.n))
          .add("format", r.format)
          .add("act", r.act)
          .add("isa", std::string(r.format == "xnnpack_f32" ? "xnnpack" : gemv::isa_name(isa)))
          .add("bits_per_weight", r.bits_per_weight)
          .add("bytes_per_gemv", r.bytes_per_gemv)
          .add("copies", static_cast<uint64_t>(r.copies))
          .add("total_bytes", r.total_bytes)
          .add("median_us", r.t.median_s * 1e6)
          .add("best_us", r.t.best_s * 1e6)
          .add("weight_gbps", weight_gbps)
          .add("best_weight_gbps", gbps(r.bytes_per_gemv, r.t.best_s))
          .add("read_gbps", read_gbps)
          .add("best_read_gbps", gbps(r.total_bytes, r.read.best_s))
          .add("pct_of_read", 100.0 * weight_gbps / read_gbps)
          .add("speedup_vs_xnnpack_f32", vs_xnn)
          .add("time_vs_q4_0", vs_q4);
      std::printf("%s\n", j.str().c_str());
    } else {
      char xs[16] = "-", qs[16] = "-";
      if (xnn != nullptr) std::snprintf(xs, sizeof(xs), "%.2f", vs_xnn);
      if (q4 != nullptr) std::snprintf(qs, sizeof(qs), "%.2f", vs_q4);
      std::printf("| %s | %s | %s | %.2f | %zu | %.1f | %.2f | %.2f | %.1f%% | %s | %s |\n", shape, r.format.c_str(),
                  r.act.c_str(), r.bits_per_weight, r.copies, r.t.median_s * 1e6, weight_gbps, read_gbps,
                  100.0 * weight_gbps / read_gbps, xs, qs);
    }
  }
  if (o.pool != nullptr) pthreadpool_destroy(o.pool);
  if (o.pool != nullptr) pthreadpool_destroy(o.pool);
  return 0;
}
