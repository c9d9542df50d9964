// How a Conv2d is cut into tasks (conv2d.h): the same for every level, so
// that a caller's task ranges mean the same outputs whatever runs them.
#include "conv/conv2d.h"

namespace nibble::conv {
namespace {

// Pixels per task: enough rows for the panel decode to be amortized (each
// decoded weight is used by every pixel of the tile), few enough that small
// feature maps still give both threads work.
constexpr int64_t kPixelTile = 128;
constexpr int64_t kChannelTile = 64;  // output channels per task (2 panels)
constexpr int64_t kDwPixelTile = 256;
constexpr int64_t kDwChannelTile = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t pixels(const Geometry& g) { return g.batch * g.out_h * g.out_w; }

// Small layers (8x8 maps) would be one task at the default tiles, leaving a
// second thread idle: halve the channel tile (down to 16 outputs for the
// few-channel kernel, 32 otherwise), then shrink the pixel tile (to a multiple of the 8-row
// microkernel, >= 16) until there are >= 4. Channels first: every task
// decodes its channels' weights, so splitting pixels decodes the same
// weights once more per pixel tile, splitting channels does not.
// Few-channel layers (conv2d_taps_avx512.cc: every task decodes its whole
// K) start from twice the pixels when that still leaves >= 4 tasks.
struct Tiles {
  int64_t pixels, channels;
};
constexpr int64_t kMinTasks = 4;
Tiles tiles_of(const Geometry& g) {
  const int64_t og = g.out_c / g.groups;
  Tiles t{kPixelTile, kChannelTile};
  auto count = [&](const Tiles& x) { return ceil_div(pixels(g), x.pixels) * g.groups * ceil_div(og, x.channels); };
  const bool few_channels = g.in_c / g.groups <= 64 && g.kernel_h * g.kernel_w > 1;
  if (few_channels && count(Tiles{2 * kPixelTile, kChannelTile}) >= kMinTasks) t.pixels = 2 * kPixelTile;
  // The implicit GEMM's per-tap chunks are short at small K: its 16-output
  // tiles would double the microkernel calls, so it stops at 32.
  const int64_t min_channels = few_channels ? 16 : 32;
  while (count(t) < kMinTasks && t.channels > min_channels) t.channels /= 2;
  while (count(t) < kMinTasks && t.pixels > 16) t.pixels /= 2;
  return t;
}

}  // namespace

bool is_depthwise(const Geometry& g) { return g.groups == g.in_c && g.groups == g.out_c && g.groups > 1; }

size_t workspace_bytes(const Geometry& g) {
  (void)g;
  return 0;
}

void prepare(Isa isa, const Geometry& g, const float* x, void* workspace) {
  (void)isa;
  (void)g;
  (void)x;
  (void)workspace;
}

int64_t num_tasks(const Geometry& g) {
  if (is_depthwise(g)) return ceil_div(pixels(g), kDwPixelTile) * ceil_div(g.out_c, kDwChannelTile);
  const int64_t og = g.out_c / g.groups;
  const Tiles tiles = tiles_of(g);
  return ceil_div(pixels(g), tiles.pixels) * g.groups * ceil_div(og, tiles.channels);
}

TaskRange task_range(const Geometry& g, int64_t task) {
  const int64_t p = pixels(g);
  TaskRange t;
  int64_t pt, oc0, oc_end;
  if (is_depthwise(g)) {
    const int64_t ct = ceil_div(g.out_c, kDwChannelTile);
    pt = task / ct;
    oc0 = task % ct * kDwChannelTile;
    oc_end = g.out_c;
    t.p0 = pt * kDwPixelTile;
    t.p1 = t.p0 + kDwPixelTile < p ? t.p0 + kDwPixelTile : p;
    t.oc0 = oc0;
    t.oc1 = oc0 + kDwChannelTile < oc_end ? oc0 + kDwChannelTile : oc_end;
    return t;
  }
  const int64_t og = g.out_c / g.groups;
  const Tiles tiles = tiles_of(g);
  const int64_t ot = ceil_div(og, tiles.channels);
  pt = task / (g.groups * ot);
  const int64_t group = task / ot % g.groups;
  oc0 = group * og + task % ot * tiles.channels;
  oc_end = (group + 1) * og;
  t.p0 = pt * tiles.pixels;
  t.p1 = t.p0 + tiles.pixels < p ? t.p0 + tiles.pixels : p;
  t.oc0 = oc0;
  t.oc1 = oc0 + tiles.channels < oc_end ? oc0 + tiles.channels : oc_end;
  return t;
}

}  // namespace nibble::conv
