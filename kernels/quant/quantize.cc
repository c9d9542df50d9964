#include "quant/quantize.h"

#include <type_traits>

#include "quant/work_split.h"

namespace nibble::quant {
namespace {

template <typename F>
struct QuantizeWork {
  const QuantizeJob<F>* job;
  const SimdKernels* kernels;
  bool stream;  // non-temporal stores for directly written 8-bit codes
};

// Codes of elements [begin, end) of one channel into out[0, end - begin).
// f32 -> 8-bit codes with nearest rounding go to the SIMD table (which also
// serves 2- and 4-bit codes: their ranges are sub-ranges of i8/u8);
// everything else is scalar.
template <typename F, typename Code>
void quantize_span(const QuantizeWork<F>& work, uint64_t channel, uint64_t begin, uint64_t end, Code* out,
                   bool stream) {
  const QuantizeJob<F>& job = *work.job;
  const F scale = job.scales[channel];
  const int64_t zero_point = job.zero_points[channel];
  if constexpr (std::is_same_v<F, float> && sizeof(Code) == 1) {
    if (job.mode == RoundMode::kNearest) {
      const int32_t qmin = static_cast<int32_t>(job.type->qmin);
      const int32_t qmax = static_cast<int32_t>(job.type->qmax);
      const size_t count = static_cast<size_t>(end - begin);
      if constexpr (std::is_signed_v<Code>) {
        work.kernels->quantize_f32_i8(job.in + begin, count, out, scale, static_cast<int32_t>(zero_point), qmin, qmax,
                                      stream);
      } else {
        work.kernels->quantize_f32_u8(job.in + begin, count, out, scale, static_cast<int32_t>(zero_point), qmin, qmax,
                                      stream);
      }
      return;
    }
  }
  const QuantizeParams<F> p =
      make_quantize_params<F>(scale, zero_point, job.type->qmin, job.type->qmax, job.mode, job.seed);
  for (uint64_t i = begin; i < end; ++i) {
    out[i - begin] = static_cast<Code>(quantize_one<F, kClampInFloat<F, Code>>(job.in[i], p, i));
  }
}

// Types of whole bytes: straight into the output.
template <typename F, typename Code>
void quantize_bytes(const QuantizeWork<F>& work, uint64_t begin, uint64_t end) {
  Code* out = static_cast<Code*>(work.job->out);
  for_each_channel_segment(begin, end, work.job->inner, [&](uint64_t channel, uint64_t b, uint64_t e) {
    quantize_span<F, Code>(work, channel, b, e, out + b, work.stream);
  });
}

// `count` codes (in range) packed LSB-first; a last partial byte gets zero
// codes in its free fields.
template <typename Code, int kBits>
void pack_codes(const Code* codes, uint64_t count, uint8_t* out) {
  constexpr uint64_t kPerByte = 8 / kBits;
  constexpr unsigned kMask = (1u << kBits) - 1u;
  uint64_t i = 0;
  for (; i + kPerByte <= count; i += kPerByte) {
    unsigned byte = 0;
    for (uint64_t k = 0; k < kPerByte; ++k) byte |= (static_cast<unsigned>(codes[i + k]) & kMask) << (k * kBits);
    out[i / kPerByte] = static_cast<uint8_t>(byte);
  }
  if (i < count) {
    unsigned byte = 0;
    for (uint64_t k = 0; i + k < count; ++k) byte |= (static_cast<unsigned>(codes[i + k]) & kMask) << (k * kBits);
    out[i / kPerByte] = static_cast<uint8_t>(byte);
  }
}

// 2- and 4-bit codes: a block at a time through a stack buffer, then
// packed. `begin` is on a byte boundary (chunk starts are multiples of
// kChunkAlignElements), so no byte is shared with another chunk.
template <typename F, typename Code, int kBits>
void quantize_packed(const QuantizeWork<F>& work, uint64_t begin, uint64_t end) {
  uint8_t* out = static_cast<uint8_t*>(work.job->out);
  Code codes[kPackBlockElements];
  for (uint64_t block = begin; block < end; block += kPackBlockElements) {
    const uint64_t block_end = end - block < kPackBlockElements ? end : block + kPackBlockElements;
    for_each_channel_segment(block, block_end, work.job->inner, [&](uint64_t channel, uint64_t b, uint64_t e) {
      quantize_span<F, Code>(work, channel, b, e, codes + (b - block), /*stream=*/false);
    });
    pack_codes<Code, kBits>(codes, block_end - block, out + block / (8 / kBits));
  }
}

template <typename F>
void quantize_chunk(void* work_pointer, uint64_t /*task*/, uint64_t begin, uint64_t end) {
  const QuantizeWork<F>& work = *static_cast<const QuantizeWork<F>*>(work_pointer);
  switch (work.job->type->type) {
    case QType::kU2: return quantize_packed<F, uint8_t, 2>(work, begin, end);
    case QType::kI2: return quantize_packed<F, int8_t, 2>(work, begin, end);
    case QType::kU4: return quantize_packed<F, uint8_t, 4>(work, begin, end);
    case QType::kI4: return quantize_packed<F, int8_t, 4>(work, begin, end);
    case QType::kU8: return quantize_bytes<F, uint8_t>(work, begin, end);
    case QType::kI8: return quantize_bytes<F, int8_t>(work, begin, end);
    case QType::kU16: return quantize_bytes<F, uint16_t>(work, begin, end);
    case QType::kI16: return quantize_bytes<F, int16_t>(work, begin, end);
    case QType::kU32: return quantize_bytes<F, uint32_t>(work, begin, end);
    case QType::kI32: return quantize_bytes<F, int32_t>(work, begin, end);
    case QType::kU64: return quantize_bytes<F, uint64_t>(work, begin, end);
    case QType::kI64: return quantize_bytes<F, int64_t>(work, begin, end);
  }
}

}  // namespace

template <typename F>
void quantize(nibble_quant_context* context, const QuantizeJob<F>& job) {
  const QuantizeWork<F> work{&job, &context_kernels(context), storage_bytes(*job.type, job.n) >= kStreamingMinBytes};
  const ChunkPlan plan = plan_chunks(context, job.n, kMinChunkElements, kChunkAlignElements);
  run_chunks(context, plan, job.n, quantize_chunk<F>, const_cast<QuantizeWork<F>*>(&work));
}

template void quantize<float>(nibble_quant_context*, const QuantizeJob<float>&);
template void quantize<double>(nibble_quant_context*, const QuantizeJob<double>&);

}  // namespace nibble::quant
