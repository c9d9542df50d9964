// How the drivers cut their work: chunk sizes for the thread split, the
// packing block, the channel walk, and when outputs bypass the cache.
#pragma once

#include <cstdint>

namespace nibble::quant {

// Below this many elements per chunk a thread costs more than it saves.
constexpr uint64_t kMinChunkElements = 16384;

// Chunk starts are multiples of this many elements: whole bytes of packed
// 2- and 4-bit codes (so no two threads write one byte) and whole SIMD
// blocks.
constexpr uint64_t kChunkAlignElements = 256;

// Packed codes pass through a stack buffer of this many (a multiple of 4,
// so blocks also start on byte boundaries).
constexpr uint64_t kPackBlockElements = 256;

// Outputs of at least this many bytes are written with non-temporal
// stores: they cannot stay in the caches anyway (32 MiB L3 on the
// reference machine), and streaming saves reading every line before it is
// overwritten. Smaller outputs stay in the cache for whoever reads them
// next.
constexpr uint64_t kStreamingMinBytes = 8u << 20;

// fn(channel, begin, end) for each part of [begin, end) that lies in one
// channel of `inner` elements.
template <typename Fn>
void for_each_channel_segment(uint64_t begin, uint64_t end, uint64_t inner, Fn&& fn) {
  uint64_t channel = begin / inner;
  while (begin < end) {
    const uint64_t channel_end = (channel + 1) * inner;
    const uint64_t segment_end = channel_end < end ? channel_end : end;
    fn(channel, begin, segment_end);
    begin = segment_end;
    ++channel;
  }
}

}  // namespace nibble::quant
