// ONNX TensorProto -> TensorData (float32, float16, bfloat16, double as
// float32; every integer type as int64; bool). Other types, external data
// and strings throw Error naming `what` (the tensor).
#pragma once

#include <string>

#include "converter/ir/tensor_data.h"

namespace onnx {
class TensorProto;
}

namespace nibble::convert {

TensorData tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);

// Throws naming `what` unless tensor_from_proto reads proto's data_type.
void check_tensor_proto_type(const onnx::TensorProto& proto, const std::string& what);

// The element count of shape; throws naming `what` for a negative dim or a
// product of the non-zero dims that overflows int64.
int64_t checked_numel(const Shape& shape, const std::string& what);

// Reads a serialized TensorProto file (the node tests' input_*.pb).
TensorData read_tensor_file(const std::string& path);

float half_to_float(uint16_t h);
float round_to_half(float f);  // the float16 value nearest to f, as float

}  // namespace nibble::convert
