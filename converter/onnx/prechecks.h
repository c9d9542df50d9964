// Checks on an ONNX model run before onnx::checker and ONNX shape
// inference, for values on which those (libonnx 1.12) crash or misreport:
// a zero stride or dilation makes convPoolShapeInference divide by zero
// (SIGFPE, not an exception), huge windows and pads overflow its int64
// arithmetic, and the checker names neither the tensor with an unsupported
// type nor the one with a negative dim. Throws Error naming the file and
// the tensor or node.
#pragma once

#include <string>

namespace onnx {
class ModelProto;
}

namespace nibble::convert {

void precheck_onnx_model(const std::string& path, const onnx::ModelProto& model);

}  // namespace nibble::convert
