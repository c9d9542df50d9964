// Facts about the .nbl byte layout shared by the writer (converter) and the
// loader. See schema/README.md for the picture.
#pragma once

#include <cstdint>

namespace nibble {

constexpr uint32_t kFormatVersion = 1;
constexpr char kFileIdentifier[5] = "NBL1";
// Every segment, the data region and the arena offsets are aligned to this.
constexpr uint64_t kSegmentAlignment = 64;
// The file is a size-prefixed FlatBuffer: a little-endian u32 byte count,
// then the FlatBuffer itself.
constexpr uint64_t kSizePrefixBytes = 4;

constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// Offset of the data region from the start of the file, given the
// FlatBuffer's size as stored in the prefix. Cannot overflow: the prefix
// is a u32.
constexpr uint64_t data_region_offset(uint32_t flatbuffer_bytes) {
  return align_up(kSizePrefixBytes + flatbuffer_bytes, kSegmentAlignment);
}

}  // namespace nibble
