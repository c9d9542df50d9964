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
  return ceil_div(pixels(g), kPixelTile) * g.groups * ceil_div(og, kChannelTile);
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
  const int64_t ot = ceil_div(og, kChannelTile);
  pt = task / (g.groups * ot);
  const int64_t group = task / ot % g.groups;
  oc0 = group * og + task % ot * kChannelTile;
  oc_end = (group + 1) * og;
  t.p0 = pt * kPixelTile;
  t.p1 = t.p0 + kPixelTile < p ? t.p0 + kPixelTile : p;
  t.oc0 = oc0;
  t.oc1 = oc0 + kChannelTile < oc_end ? oc0 + kChannelTile : oc_end;
  return t;
}

}  // namespace nibble::conv
