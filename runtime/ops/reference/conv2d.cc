// Conv2d, NHWC input, OHWI weights, optional bias, grouped, fused clamp.
//
// out[n,oy,ox,oc] = bias[oc] + sum over (ky, kx, ic) in that order of
//   x[n, oy*sh - pad_top + ky*dh, ox*sw - pad_left + kx*dw, g*Cg + ic]
//   * w[oc, ky, kx, ic]
// where g = oc / Og and taps that fall into the padding are skipped; then
// clamped. Each output is accumulated in float in exactly that order.
//
// Encoded (quantized) weights are decoded while they are repacked, one
// chunk at a time (WeightRows::read), so the op never holds more than the
// 32 KiB pack buffer of decoded weights.
//
// Speed: the weights of up to kOcBlock = 16 output channels are repacked
// into a small stack buffer as [r][j] (r = reduction index (ky,kx,ic), j =
// output channel in the block), so the innermost loop updates 16
// independent accumulators (AccBlock) from contiguous memory; no sum is ever
// reassociated. Reductions longer than kPackRows are done in chunks; the
// partial sums are parked in the output between chunks (float, so the
// result is bit-identical to a single pass). Depthwise convolutions (one
// input and one output channel per group) block 16 neighbouring channels
// instead, in the same order.
#include <cstring>

#include "codec/decode_range.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

namespace {

constexpr int64_t kOcBlock = 16;
#if NIBBLE_FREESTANDING
// Bare-metal / RTOS threads have stacks of a few KiB. Chunking changes no
// result (see above), only how often weights are repacked.
constexpr int64_t kPackRows = 32;  // 32 * 16 floats = 2 KiB of stack
#else
constexpr int64_t kPackRows = 512;  // 512 * 16 floats = 32 KiB of stack
#endif

// kOcBlock independent float accumulators; madd does acc[j] += x * w[j]
// for each j, exactly as the scalar loop would. With GCC/Clang it uses
// their vector extension: a plain j loop gets vectorised at -O2, but at
// -O3 the loop vectoriser turns the surrounding loop into in-order
// reductions that are ~3x slower, so the lanes are spelled out instead.
// 16 lanes = 4 independent add chains, enough to hide the add latency.
struct AccBlock {
#if defined(__GNUC__)
  typedef float V4 __attribute__((vector_size(16)));
  static constexpr int kVecs = static_cast<int>(kOcBlock / 4);
  V4 v[kVecs];
  void load(const float* p) { std::memcpy(v, p, sizeof(v)); }
  void store(float* p) const { std::memcpy(p, v, sizeof(v)); }
  void madd(float x, const float* w) {
    for (int i = 0; i < kVecs; ++i) {
      V4 wv;
      std::memcpy(&wv, w + 4 * i, sizeof(wv));
      v[i] += x * wv;
    }
  }
  // acc[j] += x[j] * w[j]
  void madd_lanes(const float* x, const float* w) {
    for (int i = 0; i < kVecs; ++i) {
      V4 xv, wv;
      std::memcpy(&xv, x + 4 * i, sizeof(xv));
      std::memcpy(&wv, w + 4 * i, sizeof(wv));
      v[i] += xv * wv;
    }
  }
#else
  float v[kOcBlock];
  void load(const float* p) { std::memcpy(v, p, sizeof(v)); }
  void store(float* p) const { std::memcpy(p, v, sizeof(v)); }
  void madd(float x, const float* w) {
    for (int64_t j = 0; j < kOcBlock; ++j) v[j] += x * w[j];
  }
  void madd_lanes(const float* x, const float* w) {
    for (int64_t j = 0; j < kOcBlock; ++j) v[j] += x[j] * w[j];
  }
#endif
};
static_assert(kOcBlock % 4 == 0, "AccBlock is made of 4-lane vectors");

// Initial accumulators of output channels [oc0, oc0 + nb): the bias on the
// first chunk, the parked partial sums after; lanes >= nb are 0.
void load_acc(AccBlock* acc, bool first_chunk, const float* bias, int64_t oc0, const float* o, int64_t nb) {
  float lanes[kOcBlock];
  for (int64_t j = 0; j < kOcBlock; ++j) {
    if (j >= nb) {
      lanes[j] = 0.0f;
    } else if (first_chunk) {
      lanes[j] = bias != nullptr ? bias[oc0 + j] : 0.0f;
    } else {
      lanes[j] = o[j];
    }
  }
  acc->load(lanes);
}

// Writes lanes [0, nb) to o, clamped on the last chunk.
void store_acc(const AccBlock& acc, bool last_chunk, const Activation& act, float* o, int64_t nb) {
  float lanes[kOcBlock];
  acc.store(lanes);
  if (last_chunk) {
    for (int64_t j = 0; j < nb; ++j) o[j] = activate(lanes[j], act);
  } else {
    for (int64_t j = 0; j < nb; ++j) o[j] = lanes[j];
  }
}

// packed[(r - r0) * kOcBlock + j] = w[row0 + j, r] for r in [r0, r1);
// lanes j >= nb are 0.
void pack_weights(const WeightRows& w, int64_t row0, int64_t nb, int64_t r0, int64_t r1, float* packed) {
  if (w.packed == nullptr) {
    for (int64_t r = r0; r < r1; ++r) {
      float* dst = packed + (r - r0) * kOcBlock;
      for (int64_t j = 0; j < kOcBlock; ++j) dst[j] = j < nb ? w.f32[(row0 + j) * w.cols + r] : 0.0f;
    }
    return;
  }
  float row[kPackRows];
  for (int64_t j = 0; j < kOcBlock; ++j) {
    if (j < nb) codec::decode_range(*w.packed, row0 + j, r0, r1 - r0, row);
    for (int64_t r = r0; r < r1; ++r) packed[(r - r0) * kOcBlock + j] = j < nb ? row[r - r0] : 0.0f;
  }
}

// Depthwise case (one input and one output channel per group): blocks of
// kOcBlock neighbouring channels, whose inputs are contiguous in NHWC. Same
// summation order per output: bias, then the taps in (ky, kx) order.
void depthwise_nhwc(const ConvGeometry& g, const float* x, const WeightRows& w, const float* bias, float* out,
                    const Activation& act, float* packed) {
  const int64_t channels = g.in_c;
  const int64_t taps = g.kernel_h * g.kernel_w;
  for (int64_t c0 = 0; c0 < channels; c0 += kOcBlock) {
    const int64_t nb = channels - c0 < kOcBlock ? channels - c0 : kOcBlock;
    for (int64_t r0 = 0; r0 < taps; r0 += kPackRows) {
      const int64_t r1 = taps - r0 < kPackRows ? taps : r0 + kPackRows;
      pack_weights(w, c0, nb, r0, r1, packed);
      const int64_t ky0 = r0 / g.kernel_w;
      const int64_t kx0 = r0 % g.kernel_w;
      for (int64_t n = 0; n < g.batch; ++n) {
        const float* x_image = x + n * g.in_h * g.in_w * channels + c0;
        for (int64_t oy = 0; oy < g.out_h; ++oy) {
          const int64_t iy_base = oy * g.stride_h - g.pad_top;
          for (int64_t ox = 0; ox < g.out_w; ++ox) {
            const int64_t ix_base = ox * g.stride_w - g.pad_left;
            float* o = out + ((n * g.out_h + oy) * g.out_w + ox) * channels + c0;
            AccBlock acc;
            load_acc(&acc, r0 == 0, bias, c0, o, nb);
            int64_t ky = ky0, kx = kx0;
            for (int64_t r = r0; r < r1; ++r) {
              const int64_t iy = iy_base + ky * g.dilation_h;
              const int64_t ix = ix_base + kx * g.dilation_w;
              if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) {
                const float* xp = x_image + (iy * g.in_w + ix) * channels;
                if (nb == kOcBlock) {
                  acc.madd_lanes(xp, packed + (r - r0) * kOcBlock);
                } else {
                  float xs[kOcBlock];
                  for (int64_t j = 0; j < kOcBlock; ++j) xs[j] = j < nb ? xp[j] : 0.0f;
                  acc.madd_lanes(xs, packed + (r - r0) * kOcBlock);
                }
              }
              if (++kx == g.kernel_w) {
                kx = 0;
                ++ky;
              }
            }
            store_acc(acc, r1 == taps, act, o, nb);
          }
        }
      }
    }
  }
}

}  // namespace

void conv2d_nhwc(const ConvGeometry& g, const float* x, const WeightRows& w, const float* bias,
                 float* out, const Activation& act) {
  const int64_t cg = g.in_c / g.groups;   // input channels per group
  const int64_t og = g.out_c / g.groups;  // output channels per group
  alignas(64) float packed[kPackRows * kOcBlock];
  if (cg == 1 && og == 1) {
    depthwise_nhwc(g, x, w, bias, out, act, packed);
    return;
  }
  const int64_t reduction = g.kernel_h * g.kernel_w * cg;

  for (int64_t grp = 0; grp < g.groups; ++grp) {
    for (int64_t ob = 0; ob < og; ob += kOcBlock) {
      const int64_t nb = og - ob < kOcBlock ? og - ob : kOcBlock;
      const int64_t oc0 = grp * og + ob;
      for (int64_t r0 = 0; r0 < reduction; r0 += kPackRows) {
        const int64_t r1 = reduction - r0 < kPackRows ? reduction : r0 + kPackRows;
        const bool first_chunk = r0 == 0;
        const bool last_chunk = r1 == reduction;

        pack_weights(w, oc0, nb, r0, r1, packed);
        // Position of r0 in (ky, kx, ic).
        const int64_t ky0 = r0 / (g.kernel_w * cg);
        const int64_t kx0 = (r0 / cg) % g.kernel_w;
        const int64_t ic0 = r0 % cg;

        for (int64_t n = 0; n < g.batch; ++n) {
          const float* x_image = x + n * g.in_h * g.in_w * g.in_c + grp * cg;
          for (int64_t oy = 0; oy < g.out_h; ++oy) {
            const int64_t iy_base = oy * g.stride_h - g.pad_top;
            for (int64_t ox = 0; ox < g.out_w; ++ox) {
              const int64_t ix_base = ox * g.stride_w - g.pad_left;
              float* o = out + ((n * g.out_h + oy) * g.out_w + ox) * g.out_c + oc0;

              AccBlock acc;
              load_acc(&acc, first_chunk, bias, oc0, o, nb);

              int64_t ky = ky0, kx = kx0, ic = ic0;
              const float* wp = packed;
              for (int64_t r = r0; r < r1;) {
                const int64_t seg = cg - ic < r1 - r ? cg - ic : r1 - r;
                const int64_t iy = iy_base + ky * g.dilation_h;
                const int64_t ix = ix_base + kx * g.dilation_w;
                if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) {
                  const float* xp = x_image + (iy * g.in_w + ix) * g.in_c + ic;
                  for (int64_t t = 0; t < seg; ++t) acc.madd(xp[t], wp + t * kOcBlock);
                }
                wp += seg * kOcBlock;
                r += seg;
                ic += seg;
                if (ic == cg) {
                  ic = 0;
                  if (++kx == g.kernel_w) {
                    kx = 0;
                    ++ky;
                  }
                }
              }

              store_acc(acc, last_chunk, act, o, nb);
            }
          }
        }
      }
    }
  }
}

Status check_conv2d(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 2, 3));
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& out = op.outputs[0];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, x, "input", 4, 4));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, w, "weights", 4, 4));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, out, "output", 4, 4));
  const Conv2dParams& p = op.params.conv2d;
  NIBBLE_RETURN_IF_ERROR(check_activation(op, p.activation));

  const int64_t channels = x.dims[3];
  const int64_t out_channels = w.dims[0];
  if (p.groups < 1) {
    return NIBBLE_OP_ERROR(kMalformed, "groups %d must be >= 1", p.groups);
  }
  if (channels % p.groups != 0) {
    return NIBBLE_OP_ERROR(kMalformed, "groups %d does not divide the %lld input channels", p.groups,
                           static_cast<long long>(channels));
  }
  if (out_channels % p.groups != 0) {
    return NIBBLE_OP_ERROR(kMalformed, "groups %d does not divide the %lld output channels", p.groups,
                           static_cast<long long>(out_channels));
  }
  int64_t out_h = 0, out_w = 0;
  NIBBLE_RETURN_IF_ERROR(check_window(op, p.window, x.dims[1], x.dims[2], &out_h, &out_w));
  const int64_t expected_w[4] = {out_channels, p.window.kernel_h, p.window.kernel_w, channels / p.groups};
  if (w.dims[1] != expected_w[1] || w.dims[2] != expected_w[2] || w.dims[3] != expected_w[3]) {
    return NIBBLE_OP_ERROR(kMalformed, "weights shape %s does not match [O,KH,KW,C/groups] = %s",
                           format_dims(w.dims, w.rank).text, format_dims(expected_w, 4).text);
  }
  if (op.num_inputs == 3) {
    const TensorView& b = op.inputs[2];
    NIBBLE_RETURN_IF_ERROR(check_tensor(op, b, "bias", 1, 1));
    if (b.dims[0] != out_channels) {
      return NIBBLE_OP_ERROR(kMalformed, "bias has %lld elements, expected %lld",
                             static_cast<long long>(b.dims[0]), static_cast<long long>(out_channels));
    }
  }
  const int64_t expected[4] = {x.dims[0], out_h, out_w, out_channels};
  return check_output_shape(op, expected, 4);
}

void run_conv2d(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& out = op.outputs[0];
  const Conv2dParams& p = op.params.conv2d;
  ConvGeometry g;
  g.batch = x.dims[0];
  g.in_h = x.dims[1];
  g.in_w = x.dims[2];
  g.in_c = x.dims[3];
  g.out_h = out.dims[1];
  g.out_w = out.dims[2];
  g.out_c = out.dims[3];
  g.kernel_h = p.window.kernel_h;
  g.kernel_w = p.window.kernel_w;
  g.stride_h = p.window.stride_h;
  g.stride_w = p.window.stride_w;
  g.dilation_h = p.window.dilation_h;
  g.dilation_w = p.window.dilation_w;
  g.pad_top = p.window.pad_top;
  g.pad_left = p.window.pad_left;
  g.groups = p.groups;
  const WeightRows rows{w.data, w.packed, w.numel() / w.dims[0]};
  conv2d_nhwc(g, x.data, rows, op.num_inputs == 3 ? op.inputs[2].data : nullptr, out.data, p.activation);
}

}  // namespace nibble::ref
