#include "converter/onnx/prechecks.h"

#include <set>

#include "converter/convert.h"
#include "converter/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

namespace {

// Far beyond any real window, stride or pad, and small enough that ONNX's
// output-size arithmetic (input + pads - dilation * (kernel - 1)) cannot
// overflow int64.
constexpr int64_t kMaxWindowValue = int64_t{1} << 24;

// Ops whose shape inference is ONNX's convPoolShapeInference (the others
// using it are refused as unsupported before these checks).
const std::set<std::string> kWindowOps = {"Conv", "MaxPool", "AveragePool"};

void check_window_attributes(const std::string& path, const onnx::NodeProto& n, int index) {
  const std::string label = n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
  for (const auto& a : n.attribute()) {
    int64_t min = 0;
    if (a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape") {
      min = 1;
    } else if (a.name() != "pads") {
      if (a.name() == "group" && (a.i() < 1 || a.i() > kMaxWindowValue)) {
        throw Error(path + ": node '" + label + "' (" + n.op_type() + "): group " + std::to_string(a.i()) +
                    " is outside 1.." + std::to_string(kMaxWindowValue));
      }
      continue;
    }
    for (int64_t v : a.ints()) {
      if (v < min || v > kMaxWindowValue) {
        throw Error(path + ": node '" + label + "' (" + n.op_type() + "): " + a.name() + " value " + std::to_string(v) +
                    " is outside " + std::to_string(min) + ".." + std::to_string(kMaxWindowValue));
      }
    }
  }
}

}  // namespace

void precheck_onnx_model(const std::string& path, const onnx::ModelProto& model) {
  for (const auto& init : model.graph().initializer()) {
    const std::string what = path + ": initializer '" + init.name() + "'";
    check_tensor_proto_type(init, what);
    checked_numel(Shape(init.dims().begin(), init.dims().end()), what);
  }
  int index = 0;
  for (const auto& n : model.graph().node()) {
    if (kWindowOps.count(n.op_type())) check_window_attributes(path, n, index);
    ++index;
  }
}

}  // namespace nibble::convert
