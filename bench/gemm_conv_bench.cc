// The fused GEMM (kernels/gemm) and Conv2d (kernels/conv) kernels against
// XNNPACK's FP32 operators on the same shapes and the same thread count:
//
//   nibble-gemm-bench [--threads N] [--filter REGEX] [--isa LEVEL]
//                     [--runs R] [--json]
//
// Families and shapes:
//   gemm    K x N of GPT-2 (768x2304, 768x768, 768x3072, 3072x768) at
//           M = 16 and 64; XNNPACK: xnn_create_fully_connected_nc_f32
//   conv2d  ResNet-20 CIFAR layers, ResNet-18 ImageNet 3x3 layers,
//           MobileNetV2 1x1 expand/project and 3x3 depthwise (batch 1);
//           XNNPACK: xnn_create_convolution2d_nhwc_f32
// Every row: the weights encoded in one codec (f32 activations; for the
// formats with a VNNI kernel also a row with int8 activations, the
// quantization of A included in the time), run on a
// pthreadpool of N threads (GEMM: N cut at gemm_n_step() multiples; Conv2d:
// conv::num_tasks() tasks), time = median of R timed repetitions (each
// long enough to be measured: >= 2 ms) after a warm-up, alternating with
// XNNPACK's repetitions (the VM's shared cores drift). GFLOP/s = 2 M N K /
// time; weight GB/s = encoded weight bytes / time (pct_bandwidth is null:
// these shapes are compute-bound, the weights stay in cache); ratio =
// time / XNNPACK's time (< 1: faster than XNNPACK). --filter keeps rows
// whose "family codec shape" matches REGEX.
#if NIBBLE_GEMM_BENCH_XNNPACK
#include <xnnpack.h>
#endif
#include <pthreadpool.h>

#include <algorithm>
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

#include "codec/encode.h"
#include "codec/packed_weights.h"
#include "common/timer.h"
#include "conv/conv2d.h"
#include "cpu/cpu_features.h"
#include "gemm/gemm.h"

namespace {

namespace codec = nibble::codec;
namespace gemm = nibble::gemm;
namespace conv = nibble::conv;
using codec::Format;
using codec::Granularity;
using codec::ScaleType;
using nibble::Isa;
using nibble::examples::now_seconds;

struct FormatSpec {
  const char* name;
  Format format;
  int bits;
  Granularity granularity;
  int64_t group_size;
  ScaleType scale_type;
};

const FormatSpec kFormats[] = {
    {"f32", Format::kF32, 32, Granularity::kChannel, 0, ScaleType::kF32},
    {"f16", Format::kF16, 16, Granularity::kChannel, 0, ScaleType::kF32},
    {"q4_0", Format::kQ4_0, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"q8_0", Format::kQ8_0, 8, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut4", Format::kTable, 4, Granularity::kGroup, 16, ScaleType::kE8},
    {"lut4_channel", Format::kTable, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"int4", Format::kInt, 4, Granularity::kChannel, 0, ScaleType::kF32},
    {"int4_g32_f16", Format::kInt, 4, Granularity::kGroup, 32, ScaleType::kF16},
    {"int8", Format::kInt, 8, Granularity::kChannel, 0, ScaleType::kF32},
    {"lut3", Format::kTable, 3, Granularity::kGroup, 16, ScaleType::kE8},  // decode_range panels
};

struct Options {
  int threads = 1;
  int runs = 5;
  bool json = false;
  std::string filter;
  Isa isa = nibble::default_isa();
};

// An encoded weight that owns its bytes.
struct Encoded {
  codec::WeightLayout layout;
  codec::SegmentLayout seg;
  std::vector<uint8_t> storage;
  std::vector<float> table;
  codec::PackedWeights packed() const {
    codec::PackedWeights w;
    w.layout = layout;
    w.segment = seg;
    w.data = reinterpret_cast<const uint8_t*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) / 64 * 64);
    w.table = table.empty() ? nullptr : table.data();
    return w;
  }
};

std::vector<float> normal_vector(size_t n, uint32_t seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// Scales from the absmax of what each covers (as the converter would).
bool encode(const FormatSpec& f, int64_t rows, int64_t cols, const std::vector<float>& w, Encoded* e) {
  e->layout.format = f.format;
  e->layout.bits = f.bits;
  e->layout.granularity = f.granularity;
  e->layout.group_size = f.group_size;
  e->layout.scale_type = f.scale_type;
  e->layout.rows = rows;
  e->layout.cols = cols;
  if (!codec::compute_segment_layout(e->layout, &e->seg, nullptr)) return false;
  codec::EncodeParams params;
  float level = 1.0f;
  if (f.format == Format::kTable) {
    e->table.resize(size_t{1} << f.bits);
    for (size_t i = 0; i < e->table.size(); ++i) {
      e->table[i] = -1.0f + 2.0f * static_cast<float>(i) / static_cast<float>(e->table.size() - 1);
    }
    params.table_kind = codec::TableKind::kLut;
    params.table = e->table.data();
  } else if (f.format == Format::kInt) {
    level = static_cast<float>((1 << (f.bits - 1)) - 1);
  }
  std::vector<float> scales(e->seg.num_scales, 0.0f);
  for (int64_t r = 0; r < rows && !scales.empty(); ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      float& m = scales[codec::scale_index(e->layout, e->seg, r, c)];
      m = std::max(m, std::fabs(w[static_cast<size_t>(r * cols + c)]));
    }
  }
  for (float& v : scales) v = v > 0 ? v / level : 1.0f;
  params.scales = scales.empty() ? nullptr : scales.data();
  e->storage.assign(e->seg.total_bytes + 64, 0);
  return codec::encode_weights(e->layout, e->seg, w.data(), params, const_cast<uint8_t*>(e->packed().data));
}

// Seconds per call of fn: one warm-up call, then enough calls per timed
// repetition to last >= 2 ms.
int reps_for(const std::function<void()>& fn) {
  fn();
  const double t0 = now_seconds();
  fn();
  const double once = std::max(now_seconds() - t0, 1e-7);
  return std::max(1, static_cast<int>(2e-3 / once));
}

double time_block(int reps, const std::function<void()>& fn) {
  const double s = now_seconds();
  for (int i = 0; i < reps; ++i) fn();
  return (now_seconds() - s) / reps;
}

// Medians of `runs` repetitions of ours and of XNNPACK's (null: none),
// alternating, so that both see the same machine (this VM's cores are
// shared and its speed drifts).
void time_pair(int runs, const std::function<void()>& ours, const std::function<void()>* xnn, double* t_ours,
               double* t_xnn) {
  const int reps = reps_for(ours);
  const int xreps = xnn != nullptr ? reps_for(*xnn) : 0;
  std::vector<double> a, b;
  for (int r = 0; r < runs; ++r) {
    a.push_back(time_block(reps, ours));
    if (xnn != nullptr) b.push_back(time_block(xreps, *xnn));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  *t_ours = a[a.size() / 2];
  *t_xnn = b.empty() ? 0 : b[b.size() / 2];
}

struct Row {
  std::string family, codec, shape, act = "f32";
  double time_s = 0, flops = 0, weight_bytes = 0, xnn_s = 0;
};

// ---------------------------------------------------------------- GEMM
struct GemmShape {
  int64_t m, k, n;
};

struct GemmCall {
  const codec::PackedWeights* w;
  const float* a;
  const float* bias;
  float* c;
  int64_t m, k, n;
  Isa isa;
};

struct GemmQ8Call {
  const codec::PackedWeights* w;
  const void* workspace;
  const float* bias;
  float* c;
  int64_t m, n;
  Isa isa;
};

struct GemmPrepareCall {
  const float* a;
  int64_t m, k;
  void* workspace;
  Isa isa;
};

void gemm_prepare_task(void* ctx, size_t row) {
  const auto* p = static_cast<const GemmPrepareCall*>(ctx);
  const auto i = static_cast<int64_t>(row);
  gemm::gemm_q8_prepare_rows(p->isa, p->a, p->k, p->m, p->k, i, i + 1, p->workspace);
}

void gemm_q8_task(void* ctx, size_t block) {
  const auto* g = static_cast<const GemmQ8Call*>(ctx);
  const int64_t step = gemm::gemm_n_step();
  const int64_t n0 = static_cast<int64_t>(block) * step;
  const int64_t n1 = std::min(g->n, n0 + step);
  gemm::Epilogue e;
  e.bias = g->bias;
  gemm::gemm_q8_on(g->isa, *g->w, g->workspace, g->m, e, g->c, g->n, n0, n1);
}

void gemm_task(void* ctx, size_t block) {
  const auto* g = static_cast<const GemmCall*>(ctx);
  const int64_t step = gemm::gemm_n_step();
  const int64_t n0 = static_cast<int64_t>(block) * step;
  const int64_t n1 = std::min(g->n, n0 + step);
  gemm::Epilogue e;
  e.bias = g->bias;
  gemm::gemm_on(g->isa, *g->w, g->a, g->k, g->m, e, g->c, g->n, n0, n1);
}

// ---------------------------------------------------------------- Conv2d
struct ConvShape {
  const char* name;
  conv::Geometry g;
};

conv::Geometry conv_geometry(int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                             int64_t groups) {
  conv::Geometry g{};
  g.batch = 1;
  g.in_h = h;
  g.in_w = w;
  g.in_c = cin;
  g.out_c = cout;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.dilation_h = g.dilation_w = 1;
  g.pad_top = g.pad_left = k / 2;
  g.groups = groups;
  g.out_h = (h + 2 * (k / 2) - k) / stride + 1;
  g.out_w = (w + 2 * (k / 2) - k) / stride + 1;
  return g;
}

std::vector<ConvShape> conv_shapes() {
  return {
      {"r20_32x32x16_3x3_16", conv_geometry(32, 32, 16, 16, 3, 1, 1)},
      {"r20_16x16x32_3x3_32", conv_geometry(16, 16, 32, 32, 3, 1, 1)},
      {"r20_8x8x64_3x3_64", conv_geometry(8, 8, 64, 64, 3, 1, 1)},
      {"r20_32x32x16_3x3s2_32", conv_geometry(32, 32, 16, 32, 3, 2, 1)},
      {"r20_32x32x16_1x1s2_32", conv_geometry(32, 32, 16, 32, 1, 2, 1)},
      {"r18_56x56x64_3x3_64", conv_geometry(56, 56, 64, 64, 3, 1, 1)},
      {"r18_28x28x128_3x3_128", conv_geometry(28, 28, 128, 128, 3, 1, 1)},
      {"r18_14x14x256_3x3_256", conv_geometry(14, 14, 256, 256, 3, 1, 1)},
      {"r18_7x7x512_3x3_512", conv_geometry(7, 7, 512, 512, 3, 1, 1)},
      {"mv2_56x56x24_1x1_144", conv_geometry(56, 56, 24, 144, 1, 1, 1)},
      {"mv2_56x56x144_1x1_24", conv_geometry(56, 56, 144, 24, 1, 1, 1)},
      {"mv2_14x14x64_1x1_384", conv_geometry(14, 14, 64, 384, 1, 1, 1)},
      {"mv2_14x14x384_1x1_64", conv_geometry(14, 14, 384, 64, 1, 1, 1)},
      {"mv2_112x112x32_dw3x3", conv_geometry(112, 112, 32, 32, 3, 1, 32)},
      {"mv2_56x56x144_dw3x3", conv_geometry(56, 56, 144, 144, 3, 1, 144)},
      {"mv2_14x14x384_dw3x3", conv_geometry(14, 14, 384, 384, 3, 1, 384)},
  };
}

struct ConvCall {
  const conv::Geometry* g;
  const codec::PackedWeights* w;
  const float* x;
  const float* bias;
  float* y;
  Isa isa;
};

void conv_task(void* ctx, size_t task) {
  const auto* c = static_cast<const ConvCall*>(ctx);
  gemm::Epilogue e;
  e.bias = c->bias;
  conv::conv2d_on(c->isa, *c->g, *c->w, c->x, e, c->y, nullptr, static_cast<int64_t>(task),
                  static_cast<int64_t>(task) + 1);
}

struct ConvQ8Call {
  const conv::Geometry* g;
  const codec::PackedWeights* w;
  const void* workspace;
  const float* bias;
  float* y;
  Isa isa;
};

struct ConvPrepareCall {
  const conv::Geometry* g;
  const float* x;
  void* workspace;
  Isa isa;
};

constexpr int64_t kPrepareUnits = 64;  // input pixels per prepare item

void conv_prepare_task(void* ctx, size_t item) {
  const auto* p = static_cast<const ConvPrepareCall*>(ctx);
  const int64_t u0 = static_cast<int64_t>(item) * kPrepareUnits;
  const int64_t u1 = std::min(conv::q8_prepare_units(*p->g), u0 + kPrepareUnits);
  conv::q8_prepare_range(p->isa, *p->g, p->x, p->workspace, u0, u1);
}

void conv_q8_task(void* ctx, size_t task) {
  const auto* c = static_cast<const ConvQ8Call*>(ctx);
  gemm::Epilogue e;
  e.bias = c->bias;
  conv::conv2d_q8_on(c->isa, *c->g, *c->w, c->workspace, e, c->y, static_cast<int64_t>(task),
                     static_cast<int64_t>(task) + 1);
}

bool matches(const Options& o, const std::string& text) {
  return o.filter.empty() || std::regex_search(text, std::regex(o.filter));
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--threads" && has_value) {
      o->threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--runs" && has_value) {
      o->runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--filter" && has_value) {
      o->filter = argv[++i];
    } else if (arg == "--isa" && has_value) {
      if (!nibble::parse_isa(argv[++i], &o->isa) || !nibble::isa_available(o->isa)) {
        std::fprintf(stderr, "--isa %s: unknown or not available\n", argv[i]);
        return false;
      }
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--filter REGEX] [--isa LEVEL] [--runs R] [--json]\n", argv[0]);
      return false;
    }
  }
  return true;
}

void print(const Options& o, const std::vector<Row>& rows, const char* family) {
  if (!o.json) {
    std::printf("\n%s (level %s, %d thread%s, median of %d)\n\n", family,
                nibble::isa_name(o.isa), o.threads, o.threads > 1 ? "s" : "", o.runs);
    std::printf("| shape | codec | act | us | GFLOP/s | weight GB/s | XNNPACK f32 us | ratio |\n|---|---|---|---|---|---|---|---|\n");
  }
  for (const Row& r : rows) {
    if (r.family != family) continue;
    const double ratio = r.xnn_s > 0 ? r.time_s / r.xnn_s : 0;
    if (o.json) {
      std::printf(
          "{\"family\":\"%s\",\"codec\":\"%s\",\"shape\":\"%s\",\"threads\":%d,\"isa\":\"%s\",\"act\":\"%s\","
          "\"time_us\":%.3f,\"gflops\":%.3f,\"gbps\":%.4f,\"pct_bandwidth\":null,",
          r.family.c_str(), r.codec.c_str(), r.shape.c_str(), o.threads, nibble::isa_name(o.isa), r.act.c_str(),
          r.time_s * 1e6, r.flops / r.time_s * 1e-9, r.weight_bytes / r.time_s * 1e-9);
      if (r.xnn_s > 0) {
        std::printf("\"xnnpack_time_us\":%.3f,\"ratio_vs_xnnpack\":%.4f}\n", r.xnn_s * 1e6, ratio);
      } else {
        std::printf("\"xnnpack_time_us\":null,\"ratio_vs_xnnpack\":null}\n");
      }
    } else {
      char xs[32] = "-", rs[32] = "-";
      if (r.xnn_s > 0) {
        std::snprintf(xs, sizeof(xs), "%.1f", r.xnn_s * 1e6);
        std::snprintf(rs, sizeof(rs), "%.2f", ratio);
      }
      std::printf("| %s | %s | %s | %.1f | %.1f | %.2f | %s | %s |\n", r.shape.c_str(), r.codec.c_str(), r.act.c_str(),
                  r.time_s * 1e6,
                  r.flops / r.time_s * 1e-9, r.weight_bytes / r.time_s * 1e-9, xs, rs);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, &o)) return 2;
  pthreadpool_t pool = pthreadpool_create(static_cast<size_t>(o.threads));
#if NIBBLE_GEMM_BENCH_XNNPACK
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnn_initialize failed\n");
    return 1;
  }
#endif
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<Row> rows;

  const GemmShape gemm_shapes[] = {{16, 768, 2304}, {16, 768, 768}, {16, 768, 3072}, {16, 3072, 768},
                                   {64, 768, 2304}, {64, 768, 768}, {64, 768, 3072}, {64, 3072, 768}};
  for (const GemmShape& s : gemm_shapes) {
    char shape[64];
    std::snprintf(shape, sizeof(shape), "M%ld_%ldx%ld", s.m, s.k, s.n);
    const std::vector<float> w = normal_vector(static_cast<size_t>(s.k * s.n), 1, 0.02f);
    const std::vector<float> a = normal_vector(static_cast<size_t>(s.m * s.k), 2, 1.0f);
    const std::vector<float> bias = normal_vector(static_cast<size_t>(s.n), 3, 0.1f);
    std::vector<float> c(static_cast<size_t>(s.m * s.n));
    std::vector<float> cx(c.size());
    std::function<void()> xnn_run;
#if NIBBLE_GEMM_BENCH_XNNPACK
    xnn_operator_t op = nullptr;
    if (xnn_create_fully_connected_nc_f32(static_cast<size_t>(s.k), static_cast<size_t>(s.n),
                                          static_cast<size_t>(s.k), static_cast<size_t>(s.n), w.data(),
                                          bias.data(), -inf, inf, 0, &op) == xnn_status_success &&
        xnn_setup_fully_connected_nc_f32(op, static_cast<size_t>(s.m), a.data(), cx.data(), pool) ==
            xnn_status_success) {
      xnn_run = [&] { xnn_run_operator(op, pool); };
    }
#endif
    for (const FormatSpec& f : kFormats) {
      if (!matches(o, std::string("gemm ") + f.name + " " + shape)) continue;
      Encoded e;
      if (!encode(f, s.n, s.k, w, &e)) {
        std::fprintf(stderr, "cannot encode %s\n", f.name);
        return 1;
      }
      const codec::PackedWeights pw = e.packed();
      GemmCall call{&pw, a.data(), bias.data(), c.data(), s.m, s.k, s.n, o.isa};
      const size_t blocks = static_cast<size_t>((s.n + gemm::gemm_n_step() - 1) / gemm::gemm_n_step());
      Row r;
      r.family = "gemm";
      r.codec = f.name;
      r.shape = shape;
      time_pair(o.runs, [&] { pthreadpool_parallelize_1d(pool, gemm_task, &call, blocks, 0); },
                xnn_run ? &xnn_run : nullptr, &r.time_s, &r.xnn_s);
      r.flops = 2.0 * s.m * s.n * s.k;
      r.weight_bytes = static_cast<double>(e.seg.total_bytes);
      rows.push_back(r);
      if (gemm::has_gemm_q8_kernel(o.isa, pw)) {
        // int8 activations: the rows quantized on the pool (part of the
        // time), then the tasks.
        const size_t bytes = (gemm::gemm_q8_workspace_bytes(s.m, s.k) + 63) / 64 * 64;
        void* ws = std::aligned_alloc(64, bytes);
        GemmQ8Call q8{&pw, ws, bias.data(), c.data(), s.m, s.n, o.isa};
        GemmPrepareCall prep{a.data(), s.m, s.k, ws, o.isa};
        Row r8 = r;
        r8.act = "int8";
        time_pair(
            o.runs,
            [&] {
              pthreadpool_parallelize_1d(pool, gemm_prepare_task, &prep, static_cast<size_t>(s.m), 0);
              pthreadpool_parallelize_1d(pool, gemm_q8_task, &q8, blocks, 0);
            },
            xnn_run ? &xnn_run : nullptr, &r8.time_s, &r8.xnn_s);
        rows.push_back(r8);
        std::free(ws);
      }
    }
#if NIBBLE_GEMM_BENCH_XNNPACK
    if (op != nullptr) xnn_delete_operator(op);
#endif
  }

  for (const ConvShape& cs : conv_shapes()) {
    const conv::Geometry& g = cs.g;
    const int64_t cols = g.kernel_h * g.kernel_w * (g.in_c / g.groups);
    const std::vector<float> w = normal_vector(static_cast<size_t>(g.out_c * cols), 4, 0.05f);
    const std::vector<float> x = normal_vector(static_cast<size_t>(g.batch * g.in_h * g.in_w * g.in_c), 5, 1.0f);
    const std::vector<float> bias = normal_vector(static_cast<size_t>(g.out_c), 6, 0.1f);
    std::vector<float> y(static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c));
    bool any = false;
    for (const FormatSpec& f : kFormats) any = any || matches(o, std::string("conv2d ") + f.name + " " + cs.name);
    if (!any) continue;
    std::vector<float> yx(y.size());
    std::function<void()> xnn_run;
#if NIBBLE_GEMM_BENCH_XNNPACK
    xnn_operator_t op = nullptr;
    if (xnn_create_convolution2d_nhwc_f32(
            static_cast<uint32_t>(g.pad_top), static_cast<uint32_t>(g.pad_left), static_cast<uint32_t>(g.pad_top),
            static_cast<uint32_t>(g.pad_left), static_cast<uint32_t>(g.kernel_h), static_cast<uint32_t>(g.kernel_w),
            static_cast<uint32_t>(g.stride_h), static_cast<uint32_t>(g.stride_w),
            static_cast<uint32_t>(g.dilation_h), static_cast<uint32_t>(g.dilation_w),
            static_cast<uint32_t>(g.groups), static_cast<size_t>(g.in_c / g.groups),
            static_cast<size_t>(g.out_c / g.groups), static_cast<size_t>(g.in_c), static_cast<size_t>(g.out_c),
            w.data(), bias.data(), -inf, inf, 0, &op) == xnn_status_success &&
        xnn_setup_convolution2d_nhwc_f32(op, static_cast<size_t>(g.batch), static_cast<size_t>(g.in_h),
                                         static_cast<size_t>(g.in_w), x.data(), yx.data(), pool) ==
            xnn_status_success) {
      xnn_run = [&] { xnn_run_operator(op, pool); };
    }
#endif
    for (const FormatSpec& f : kFormats) {
      if (!matches(o, std::string("conv2d ") + f.name + " " + cs.name)) continue;
      Encoded e;
      if (!encode(f, g.out_c, cols, w, &e)) {
        std::fprintf(stderr, "cannot encode %s\n", f.name);
        return 1;
      }
      const codec::PackedWeights pw = e.packed();
      ConvCall call{&g, &pw, x.data(), bias.data(), y.data(), o.isa};
      Row r;
      r.family = "conv2d";
      r.codec = f.name;
      r.shape = cs.name;
      time_pair(
          o.runs,
          [&] { pthreadpool_parallelize_1d(pool, conv_task, &call, static_cast<size_t>(conv::num_tasks(g)), 0); },
          xnn_run ? &xnn_run : nullptr, &r.time_s, &r.xnn_s);
      r.flops = 2.0 * g.batch * g.out_h * g.out_w * g.out_c * cols;
      r.weight_bytes = static_cast<double>(e.seg.total_bytes);
      rows.push_back(r);
      if (conv::has_q8_kernel(o.isa, g, pw)) {
        // int8 activations: the input quantized on the pool (part of the
        // time), then the tasks.
        void* ws = std::aligned_alloc(64, (conv::q8_workspace_bytes(g) + 63) / 64 * 64);
        ConvQ8Call q8{&g, &pw, ws, bias.data(), y.data(), o.isa};
        ConvPrepareCall prep{&g, x.data(), ws, o.isa};
        const size_t items = static_cast<size_t>((conv::q8_prepare_units(g) + kPrepareUnits - 1) / kPrepareUnits);
        Row r8 = r;
        r8.act = "int8";
        time_pair(
            o.runs,
            [&] {
              pthreadpool_parallelize_1d(pool, conv_prepare_task, &prep, items, 0);
              pthreadpool_parallelize_1d(pool, conv_q8_task, &q8, static_cast<size_t>(conv::num_tasks(g)), 0);
            },
            xnn_run ? &xnn_run : nullptr, &r8.time_s, &r8.xnn_s);
        rows.push_back(r8);
        std::free(ws);
      }
    }
#if NIBBLE_GEMM_BENCH_XNNPACK
    if (op != nullptr) xnn_delete_operator(op);
#endif
  }
  if (!o.json) std::printf("nibble-gemm-bench: %s\n", nibble::cpu_features().description);
  print(o, rows, "gemm");
  print(o, rows, "conv2d");
  pthreadpool_destroy(pool);
  return 0;
}
