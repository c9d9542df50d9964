// MaxPool2d and AveragePool2d on NHWC tensors, then clamped.
//
// Window taps: iy = oy*sh - pad_top + ky*dh, ix = ox*sw - pad_left + kx*dw.
// Max: the maximum over the taps inside the input (padding ignored; NaN
// propagates); a window entirely in the padding gives -inf (before the
// clamp). Average: the sum over the taps inside the input (ky, kx order)
// divided by the number of taps inside the padded input
// [-pad_top, H + pad_bottom) x [-pad_left, W + pad_right) when
// count_include_pad, else by the number of taps inside the input (0 taps
// gives 0).
#include <limits>

#include "ops/reference/op_checks.h"

namespace nibble::ref {

Status check_pool2d(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 1, 1));
  const TensorView& x = op.inputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 4, 4));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 4, 4));
  const Pool2dParams& p = op.params.pool2d;
  NIBBLE_RETURN_IF_ERROR(check_activation(op, p.activation));
  int64_t out_h = 0, out_w = 0;
  NIBBLE_RETURN_IF_ERROR(check_window(op, p.window, x.dims[1], x.dims[2], &out_h, &out_w));
  const int64_t expected[4] = {x.dims[0], out_h, out_w, x.dims[3]};
  return check_output_shape(op, expected, 4);
}

namespace {

struct PoolShape {
  int64_t n, h, w, c, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
};

PoolShape pool_shape(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& out = op.outputs[0];
  const Window2d& win = op.params.pool2d.window;
  PoolShape s;
  s.n = x.dims[0];
  s.h = x.dims[1];
  s.w = x.dims[2];
  s.c = x.dims[3];
  s.oh = out.dims[1];
  s.ow = out.dims[2];
  s.kh = win.kernel_h;
  s.kw = win.kernel_w;
  s.sh = win.stride_h;
  s.sw = win.stride_w;
  s.dh = win.dilation_h;
  s.dw = win.dilation_w;
  s.pt = win.pad_top;
  s.pl = win.pad_left;
  s.pb = win.pad_bottom;
  s.pr = win.pad_right;
  return s;
}

// Taps k in [0, kernel) with lo <= base + k * dilation < hi, as the range
// [*begin, *end) (empty when *begin >= *end). O(1), so a huge kernel from
// a file costs nothing beyond the taps that exist.
void tap_range(int64_t base, int64_t dilation, int64_t kernel, int64_t lo, int64_t hi, int64_t* begin,
               int64_t* end) {
  // base, lo, hi and kernel * dilation are all far below 2^62.
  int64_t b = 0;
  if (base < lo) b = (lo - base + dilation - 1) / dilation;
  int64_t e = 0;
  if (hi - 1 - base >= 0) e = (hi - 1 - base) / dilation + 1;
  if (e > kernel) e = kernel;
  *begin = b;
  *end = e > b ? e : b;
}

}  // namespace

void run_max_pool2d(const BoundOp& op) {
  const PoolShape s = pool_shape(op);
  const float* x = op.inputs[0].data;
  float* out = op.outputs[0].data;
  const Activation act = op.params.pool2d.activation;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t oy = 0; oy < s.oh; ++oy) {
      const int64_t iy0 = oy * s.sh - s.pt;
      int64_t ky_begin = 0, ky_end = 0;
      tap_range(iy0, s.dh, s.kh, 0, s.h, &ky_begin, &ky_end);
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const int64_t ix0 = ox * s.sw - s.pl;
        int64_t kx_begin = 0, kx_end = 0;
        tap_range(ix0, s.dw, s.kw, 0, s.w, &kx_begin, &kx_end);
        float* o = out + ((n * s.oh + oy) * s.ow + ox) * s.c;
        for (int64_t c = 0; c < s.c; ++c) o[c] = neg_inf;
        for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
          const int64_t iy = iy0 + ky * s.dh;
          for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
            const int64_t ix = ix0 + kx * s.dw;
            const float* xp = x + ((n * s.h + iy) * s.w + ix) * s.c;
            for (int64_t c = 0; c < s.c; ++c) {
              const float v = xp[c];
              o[c] = (v > o[c] || v != v) ? v : o[c];
            }
          }
        }
        for (int64_t c = 0; c < s.c; ++c) o[c] = activate(o[c], act);
      }
    }
  }
}

void run_average_pool2d(const BoundOp& op) {
  const PoolShape s = pool_shape(op);
  const float* x = op.inputs[0].data;
  float* out = op.outputs[0].data;
  const Activation act = op.params.pool2d.activation;
  const bool include_pad = op.params.pool2d.count_include_pad;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t oy = 0; oy < s.oh; ++oy) {
      const int64_t iy0 = oy * s.sh - s.pt;
      int64_t ky_begin = 0, ky_end = 0, pad_begin = 0, pad_end = 0;
      tap_range(iy0, s.dh, s.kh, 0, s.h, &ky_begin, &ky_end);
      tap_range(iy0, s.dh, s.kh, -s.pt, s.h + s.pb, &pad_begin, &pad_end);
      const int64_t valid_h = ky_end - ky_begin, padded_h = pad_end - pad_begin;
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const int64_t ix0 = ox * s.sw - s.pl;
        int64_t kx_begin = 0, kx_end = 0;
        tap_range(ix0, s.dw, s.kw, 0, s.w, &kx_begin, &kx_end);
        tap_range(ix0, s.dw, s.kw, -s.pl, s.w + s.pr, &pad_begin, &pad_end);
        const int64_t valid_w = kx_end - kx_begin, padded_w = pad_end - pad_begin;
        const int64_t divisor = include_pad ? padded_h * padded_w : valid_h * valid_w;

        float* o = out + ((n * s.oh + oy) * s.ow + ox) * s.c;
        for (int64_t c = 0; c < s.c; ++c) o[c] = 0.0f;
        for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
          const int64_t iy = iy0 + ky * s.dh;
          for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
            const int64_t ix = ix0 + kx * s.dw;
            const float* xp = x + ((n * s.h + iy) * s.w + ix) * s.c;
            for (int64_t c = 0; c < s.c; ++c) o[c] += xp[c];
          }
        }
        if (divisor == 0) {
          for (int64_t c = 0; c < s.c; ++c) o[c] = activate(0.0f, act);
        } else {
          const float d = static_cast<float>(divisor);
          for (int64_t c = 0; c < s.c; ++c) o[c] = activate(o[c] / d, act);
        }
      }
    }
  }
}

}  // namespace nibble::ref
