// Load-time checks of a constant tensor's codec: every field of the codec
// table (enum values, bit width, group size, table length), the segment's
// exact size for the shape, and every scale, zero point and table entry
// the decoders will use (finite, positive, in range). After this a decoder
// can trust what it reads.
#pragma once

#include <cstdint>

#include "codec/packed_weights.h"
#include "nibble/status.h"
#include "schema/nibble_generated.h"

namespace nibble {

struct TensorDesc;

// True if the tensor's codec is one that needs decoding (not raw f32).
bool is_encoded(const fb::Tensor* tensor);

// Floats of table a TableCodec leaves to the reader (pqnt, lsq and log2
// tables are defined by kind, bits and parameter, so files omit them); 0
// for other tensors or out-of-range widths (rejected later).
uint32_t derived_table_floats(const fb::Tensor* tensor);

// Checks `tensor` (index i, description d already holding name and dims)
// whose bytes are segment[0, segment_size), and fills `out`. A derived
// table is built into table_storage (derived_table_floats(tensor) floats,
// owned by the model).
Status verify_encoded_tensor(const fb::Tensor* tensor, uint32_t i, const TensorDesc& d, const uint8_t* segment,
                             uint64_t segment_size, float* table_storage, codec::PackedWeights* out);

}  // namespace nibble
