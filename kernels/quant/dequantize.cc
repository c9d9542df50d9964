#include "quant/dequantize.h"

#include <type_traits>

#include "quant/work_split.h"

namespace nibble::quant {
namespace {

template <typename F>
struct DequantizeWork {
  const DequantizeJob<F>* job;
  const SimdKernels* kernels;
  bool stream;  // non-temporal stores (large outputs, SET only)
};

// Elements [begin, end) of one channel: codes in[0, count), values to
// out[0, count). 8-bit codes to f32 go to the SIMD table (2- and 4-bit
// codes too, once unpacked); everything else is scalar.
template <typename F, typename Code>
void dequantize_span(const DequantizeWork<F>& work, uint64_t channel, uint64_t count, const Code* in, F* out) {
  const DequantizeJob<F>& job = *work.job;
  const F scale = job.scales[channel];
  const int64_t zero_point = job.zero_points[channel];
  const bool add = job.store == StoreMode::kAdd;
  if constexpr (std::is_same_v<F, float> && sizeof(Code) == 1) {
    const int32_t zp = static_cast<int32_t>(zero_point);
    if constexpr (std::is_signed_v<Code>) {
      work.kernels->dequantize_i8_f32(in, static_cast<size_t>(count), out, scale, zp, add, work.stream);
    } else {
      work.kernels->dequantize_u8_f32(in, static_cast<size_t>(count), out, scale, zp, add, work.stream);
    }
    return;
  }
  if (add) {
    for (uint64_t i = 0; i < count; ++i) {
      const F value = dequantize_one<F>(in[i], zero_point, scale);
      out[i] += value;
    }
  } else {
    for (uint64_t i = 0; i < count; ++i) out[i] = dequantize_one<F>(in[i], zero_point, scale);
  }
}

template <typename F, typename Code>
void dequantize_bytes(const DequantizeWork<F>& work, uint64_t begin, uint64_t end) {
  const Code* in = static_cast<const Code*>(work.job->in);
  for_each_channel_segment(begin, end, work.job->inner, [&](uint64_t channel, uint64_t b, uint64_t e) {
    dequantize_span<F, Code>(work, channel, e - b, in + b, work.job->out + b);
  });
}

// Code i of LSB-first packed fields of kBits, sign-extended for signed
// types.
template <typename Code, int kBits>
Code unpack_code(const uint8_t* packed, uint64_t i) {
  constexpr uint64_t kPerByte = 8 / kBits;
  constexpr unsigned kMask = (1u << kBits) - 1u;
  const unsigned field = (packed[i / kPerByte] >> ((i % kPerByte) * kBits)) & kMask;
  if constexpr (std::is_signed_v<Code>) {
    constexpr int kSignBit = 1 << (kBits - 1);
    return static_cast<Code>(static_cast<int>(field ^ kSignBit) - kSignBit);
  } else {
    return static_cast<Code>(field);
  }
}

// 2- and 4-bit codes: unpacked a block at a time into a stack buffer,
// then dequantized like 8-bit codes.
template <typename F, typename Code, int kBits>
void dequantize_packed(const DequantizeWork<F>& work, uint64_t begin, uint64_t end) {
  const uint8_t* in = static_cast<const uint8_t*>(work.job->in);
  Code codes[kPackBlockElements];
  for (uint64_t block = begin; block < end; block += kPackBlockElements) {
    const uint64_t block_end = end - block < kPackBlockElements ? end : block + kPackBlockElements;
    for (uint64_t i = block; i < block_end; ++i) codes[i - block] = unpack_code<Code, kBits>(in, i);
    for_each_channel_segment(block, block_end, work.job->inner, [&](uint64_t channel, uint64_t b, uint64_t e) {
      dequantize_span<F, Code>(work, channel, e - b, codes + (b - block), work.job->out + b);
    });
  }
}

template <typename F>
void dequantize_chunk(void* work_pointer, uint64_t /*task*/, uint64_t begin, uint64_t end) {
  const DequantizeWork<F>& work = *static_cast<const DequantizeWork<F>*>(work_pointer);
  switch (work.job->type->type) {
    case QType::kU2: return dequantize_packed<F, uint8_t, 2>(work, begin, end);
    case QType::kI2: return dequantize_packed<F, int8_t, 2>(work, begin, end);
    case QType::kU4: return dequantize_packed<F, uint8_t, 4>(work, begin, end);
    case QType::kI4: return dequantize_packed<F, int8_t, 4>(work, begin, end);
    case QType::kU8: return dequantize_bytes<F, uint8_t>(work, begin, end);
    case QType::kI8: return dequantize_bytes<F, int8_t>(work, begin, end);
    case QType::kU16: return dequantize_bytes<F, uint16_t>(work, begin, end);
    case QType::kI16: return dequantize_bytes<F, int16_t>(work, begin, end);
    case QType::kU32: return dequantize_bytes<F, uint32_t>(work, begin, end);
    case QType::kI32: return dequantize_bytes<F, int32_t>(work, begin, end);
    case QType::kU64: return dequantize_bytes<F, uint64_t>(work, begin, end);
    case QType::kI64: return dequantize_bytes<F, int64_t>(work, begin, end);
  }
}

}  // namespace

template <typename F>
void dequantize(nibble_quant_context* context, const DequantizeJob<F>& job) {
  const bool stream = job.store == StoreMode::kSet && job.n * sizeof(F) >= kStreamingMinBytes;
  const DequantizeWork<F> work{&job, &context_kernels(context), stream};
  const ChunkPlan plan = plan_chunks(context, job.n, kMinChunkElements, kChunkAlignElements);
  run_chunks(context, plan, job.n, dequantize_chunk<F>, const_cast<DequantizeWork<F>*>(&work));
}

template void dequantize<float>(nibble_quant_context*, const DequantizeJob<float>&);
template void dequantize<double>(nibble_quant_context*, const DequantizeJob<double>&);

}  // namespace nibble::quant
