// ONNX external tensor data (TensorProto.data_location = EXTERNAL): the
// bytes of an initializer kept in a separate file next to the model.
//
// Policy (the file names in a model are untrusted): a location must be a
// relative path without a ".." component; it is resolved with realpath and
// the result must lie inside the model's directory (a symlink pointing
// within the directory is followed, one pointing outside is refused); the
// target must be a regular file; offset and length (decimal) must lie
// inside it (overflow-checked) and the length must equal the tensor's byte
// count. Every refusal throws Error naming the model file and the tensor.
#pragma once

#include <string>

namespace onnx {
class ModelProto;
}

namespace nibble::convert {

// Reads every external initializer (and tensor attribute of the top-level
// graph's nodes) of `model`, loaded from `model_path`, into raw_data, so
// the rest of the importer sees ordinary tensors.
void load_external_data(const std::string& model_path, onnx::ModelProto& model);

}  // namespace nibble::convert
