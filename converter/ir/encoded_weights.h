// A constant weight after quantization: the codec's fields and the bytes
// of its segment, exactly as the writer stores them and the runtime reads
// them (kernels/codec/weight_layout.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/packed_weights.h"
#include "codec/weight_layout.h"

namespace nibble::convert {

struct EncodedWeights {
  std::string spec;  // canonical codec spec, e.g. "lut:4"
  codec::WeightLayout layout;
  codec::SegmentLayout segment;
  codec::TableKind table_kind = codec::TableKind::kLut;  // kTable only
  float parameter = 0;                                    // pqnt p, log2 r, lsq B
  std::vector<float> table;                               // kTable only
  std::vector<uint8_t> bytes;                             // segment.total_bytes

  // A view the codec decoders read (valid while this object lives).
  codec::PackedWeights view() const {
    codec::PackedWeights w;
    w.layout = layout;
    w.segment = segment;
    w.data = bytes.data();
    w.table = table.empty() ? nullptr : table.data();
    return w;
  }
};

}  // namespace nibble::convert
