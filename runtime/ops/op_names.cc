#include "ops/op_params.h"

namespace nibble {

const char* op_code_name(OpCode code) {
  switch (code) {
    case OpCode::kConv2d: return "Conv2d";
    case OpCode::kLinear: return "Linear";
    case OpCode::kBinary: return "Binary";
    case OpCode::kClamp: return "Clamp";
    case OpCode::kMaxPool2d: return "MaxPool2d";
    case OpCode::kAveragePool2d: return "AveragePool2d";
    case OpCode::kGlobalAveragePool: return "GlobalAveragePool";
    case OpCode::kReshape: return "Reshape";
    case OpCode::kPad: return "Pad";
    case OpCode::kSlice: return "Slice";
    case OpCode::kConcat: return "Concat";
    case OpCode::kSoftmax: return "Softmax";
    case OpCode::kTranspose: return "Transpose";
    case OpCode::kEmbedding: return "Embedding";
    case OpCode::kLayerNorm: return "LayerNorm";
    case OpCode::kGelu: return "Gelu";
    case OpCode::kAttention: return "Attention";
  }
  return "unknown";
}

}  // namespace nibble
