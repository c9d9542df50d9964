// Reads an ONNX model: parse, check (onnx::checker), fix input shapes and
// bindings, infer shapes (onnx::shape_inference) and build the Graph.
#pragma once

#include <string>

#include "converter/convert.h"
#include "converter/ir/graph.h"

namespace nibble::convert {

struct ImportedModel {
  Graph graph;
  int opset = 0;
  int onnx_nodes = 0;
  std::string producer;  // "name version" of the exporter
};

// bytes: the file's contents; path names the file in error messages.
ImportedModel import_onnx(const std::string& path, const std::string& bytes, const ConvertOptions& options);

}  // namespace nibble::convert
