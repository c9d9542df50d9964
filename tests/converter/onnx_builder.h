// Builds small ONNX models in C++ for the converter tests.
#pragma once

#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace nibble::test {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 13);

  OnnxBuilder& input(const std::string& name, const std::vector<int64_t>& dims);
  // dims empty: no shape recorded.
  OnnxBuilder& output(const std::string& name, const std::vector<int64_t>& dims = {});
  OnnxBuilder& initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values);
  OnnxBuilder& initializer_i64(const std::string& name, const std::vector<int64_t>& dims,
                               const std::vector<int64_t>& values);
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");

  static void attr(onnx::NodeProto& n, const std::string& key, int64_t v);
  static void attr(onnx::NodeProto& n, const std::string& key, float v);
  static void attr(onnx::NodeProto& n, const std::string& key, const std::string& v);
  static void attr(onnx::NodeProto& n, const std::string& key, const std::vector<int64_t>& v);

  void save(const std::string& path) const;
  onnx::ModelProto model;
};

// Deterministic pseudo-random floats in [-1, 1).
std::vector<float> random_floats(size_t n, uint32_t seed);

}  // namespace nibble::test
