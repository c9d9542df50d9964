#include "quant/quant_params.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "quant/work_split.h"

namespace nibble::quant {
namespace {

// No data has the range [0, 0] (the widened range of nothing).
template <typename F>
MinMax<F> minmax_of(const SimdKernels& kernels, const F* x, uint64_t n) {
  if (n == 0) return {0, 0, false};
  if constexpr (std::is_same_v<F, float>) {
    return kernels.minmax_f32(x, static_cast<size_t>(n));
  } else {
    return kernels.minmax_f64(x, static_cast<size_t>(n));
  }
}

template <typename F>
MinMax<F> combine(const MinMax<F>& a, const MinMax<F>& b) {
  return {b.min < a.min ? b.min : a.min, b.max > a.max ? b.max : a.max, a.has_nan || b.has_nan};
}

template <typename F>
struct MinMaxWork {
  const F* x;
  const SimdKernels* kernels;
  MinMax<F>* partial;  // one per chunk
};

template <typename F>
void minmax_chunk(void* work_pointer, uint64_t task, uint64_t begin, uint64_t end) {
  const MinMaxWork<F>& work = *static_cast<const MinMaxWork<F>*>(work_pointer);
  work.partial[task] = minmax_of(*work.kernels, work.x + begin, end - begin);
}

// Apart from parallel_minmax so that its per-chunk array takes stack only
// when there are threads (never on a microcontroller).
template <typename F>
__attribute__((noinline)) MinMax<F> threaded_minmax(nibble_quant_context* context, const ChunkPlan& plan, const F* x,
                                                    uint64_t n) {
  MinMax<F> partial[kMaxChunks];
  MinMaxWork<F> work{x, &context_kernels(context), partial};
  run_chunks(context, plan, n, minmax_chunk<F>, &work);
  MinMax<F> result = partial[0];
  for (uint64_t task = 1; task < plan.tasks; ++task) result = combine(result, partial[task]);
  return result;
}

// The error for a range that is not finite, or ok.
template <typename F>
Status check_range(const MinMax<F>& range, const char* function, const char* where, uint64_t channel) {
  const char* what = range.has_nan ? "NaN" : (std::isinf(range.min) || std::isinf(range.max) ? "infinity" : nullptr);
  if (what == nullptr) return Status::ok();
  if (where == nullptr) {
    return NIBBLE_ERROR(kInvalidArgument, "%s: the data contains %s; parameters need finite data", function, what);
  }
  return NIBBLE_ERROR(kInvalidArgument, "%s: %s %llu contains %s; parameters need finite data", function, where,
                      static_cast<unsigned long long>(channel), what);
}

template <typename F>
struct ChannelWork {
  const F* x;
  uint64_t inner;
  const QTypeInfo* type;
  const SimdKernels* kernels;
  F* scales;
  int64_t* zero_points;
};

// Channels [begin, end). A channel with NaN or infinite data gets a NaN
// scale, which the caller turns into an error after the join.
template <typename F>
void channel_params_chunk(void* work_pointer, uint64_t /*task*/, uint64_t begin, uint64_t end) {
  const ChannelWork<F>& work = *static_cast<const ChannelWork<F>*>(work_pointer);
  for (uint64_t c = begin; c < end; ++c) {
    const MinMax<F> range = minmax_of(*work.kernels, work.x + c * work.inner, work.inner);
    if (range.has_nan || std::isinf(range.min) || std::isinf(range.max)) {
      work.scales[c] = std::numeric_limits<F>::quiet_NaN();
      work.zero_points[c] = 0;
      continue;
    }
    const QuantParams<F> p = params_from_range(range.min, range.max, *work.type);
    work.scales[c] = p.scale;
    work.zero_points[c] = p.zero_point;
  }
}

}  // namespace

template <typename F>
QuantParams<F> params_from_range(F min, F max, const QTypeInfo& type) {
  const double lo = min < 0 ? static_cast<double>(min) : 0.0;
  const double hi = max > 0 ? static_cast<double>(max) : 0.0;
  const double levels = static_cast<double>(type.qmax) - static_cast<double>(type.qmin);
  F scale = 1;
  if (hi > lo) {
    double s = (hi - lo) / levels;
    if (!std::isfinite(s)) s = hi / levels - lo / levels;  // hi - lo overflowed (f64 data near +-DBL_MAX)
    scale = static_cast<F>(s);
    if (!(scale >= std::numeric_limits<F>::min())) scale = std::numeric_limits<F>::min();
  }
  const double zero_point = static_cast<double>(type.qmin) - std::nearbyint(lo / static_cast<double>(scale));
  int64_t zp;
  if (zero_point <= static_cast<double>(type.qmin)) {
    zp = type.qmin;
  } else if (zero_point >= static_cast<double>(type.max_zero_point)) {
    zp = type.max_zero_point;  // (the double may round up past it: compare, do not convert)
  } else {
    zp = static_cast<int64_t>(zero_point);
  }
  return {scale, zp};
}

template <typename F>
MinMax<F> parallel_minmax(nibble_quant_context* context, const F* x, uint64_t n) {
  const ChunkPlan plan = plan_chunks(context, n, kMinChunkElements, kChunkAlignElements);
  if (plan.tasks <= 1) return minmax_of(context_kernels(context), x, n);
  return threaded_minmax(context, plan, x, n);
}

template <typename F>
Status compute_params(nibble_quant_context* context, const F* x, uint64_t n, const QTypeInfo& type, F* scale,
                      int64_t* zero_point, const char* function) {
  const MinMax<F> range = parallel_minmax(context, x, n);
  NIBBLE_RETURN_IF_ERROR(check_range(range, function, nullptr, 0));
  const QuantParams<F> p = params_from_range(range.min, range.max, type);
  *scale = p.scale;
  *zero_point = p.zero_point;
  return Status::ok();
}

template <typename F>
Status compute_params_per_channel(nibble_quant_context* context, const F* x, uint64_t channels, uint64_t inner,
                                  const QTypeInfo& type, F* scales, int64_t* zero_points, const char* function) {
  if (channels == 1) {
    // All the threads on the one channel's elements.
    const MinMax<F> range = parallel_minmax(context, x, inner);
    NIBBLE_RETURN_IF_ERROR(check_range(range, function, "channel", 0));
    const QuantParams<F> p = params_from_range(range.min, range.max, type);
    scales[0] = p.scale;
    zero_points[0] = p.zero_point;
    return Status::ok();
  }
  const uint64_t min_channels = inner >= kMinChunkElements ? 1 : kMinChunkElements / (inner == 0 ? 1 : inner);
  const ChunkPlan plan = plan_chunks(context, channels, min_channels, 1);
  ChannelWork<F> work{x, inner, &type, &context_kernels(context), scales, zero_points};
  run_chunks(context, plan, channels, channel_params_chunk<F>, &work);
  for (uint64_t c = 0; c < channels; ++c) {
    if (scales[c] != scales[c]) {  // the NaN mark: report the first bad channel
      const MinMax<F> range = minmax_of(context_kernels(context), x + c * inner, inner);
      return check_range(range, function, "channel", c);
    }
  }
  return Status::ok();
}

template QuantParams<float> params_from_range<float>(float, float, const QTypeInfo&);
template QuantParams<double> params_from_range<double>(double, double, const QTypeInfo&);
template MinMax<float> parallel_minmax<float>(nibble_quant_context*, const float*, uint64_t);
template MinMax<double> parallel_minmax<double>(nibble_quant_context*, const double*, uint64_t);
template Status compute_params<float>(nibble_quant_context*, const float*, uint64_t, const QTypeInfo&, float*, int64_t*,
                                      const char*);
template Status compute_params<double>(nibble_quant_context*, const double*, uint64_t, const QTypeInfo&, double*,
                                       int64_t*, const char*);
template Status compute_params_per_channel<float>(nibble_quant_context*, const float*, uint64_t, uint64_t,
                                                  const QTypeInfo&, float*, int64_t*, const char*);
template Status compute_params_per_channel<double>(nibble_quant_context*, const double*, uint64_t, uint64_t,
                                                   const QTypeInfo&, double*, int64_t*, const char*);

}  // namespace nibble::quant
