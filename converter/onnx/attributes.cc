#include "converter/onnx/attributes.h"

#include "converter/onnx/tensor_proto.h"
#include "onnx/onnx_pb.h"

namespace nibble::convert {

Attribute import_attribute(const onnx::AttributeProto& proto, const std::string& node_name) {
  Attribute a;
  switch (proto.type()) {
    case onnx::AttributeProto::INT:
      a.kind = Attribute::Kind::kInt;
      a.i = proto.i();
      break;
    case onnx::AttributeProto::FLOAT:
      a.kind = Attribute::Kind::kFloat;
      a.f = proto.f();
      break;
    case onnx::AttributeProto::STRING:
      a.kind = Attribute::Kind::kString;
      a.s = proto.s();
      break;
    case onnx::AttributeProto::INTS:
      a.kind = Attribute::Kind::kInts;
      a.ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      a.kind = Attribute::Kind::kFloats;
      a.floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case onnx::AttributeProto::TENSOR:
      a.kind = Attribute::Kind::kTensor;
      a.tensor = std::make_shared<const TensorData>(
          tensor_from_proto(proto.t(), "attribute '" + proto.name() + "' of node '" + node_name + "'"));
      break;
    default:
      a.kind = Attribute::Kind::kOther;
      break;
  }
  return a;
}

namespace {

const Attribute* get(const Node& node, const std::string& key, Attribute::Kind kind, const char* kind_name) {
  const Attribute* a = node.attr(key);
  if (a && a->kind != kind) fail(node, "attribute '" + key + "' is not of type " + kind_name);
  return a;
}

}  // namespace

int64_t attr_int(const Node& node, const std::string& key, int64_t fallback) {
  const Attribute* a = get(node, key, Attribute::Kind::kInt, "INT");
  return a ? a->i : fallback;
}

float attr_float(const Node& node, const std::string& key, float fallback) {
  const Attribute* a = get(node, key, Attribute::Kind::kFloat, "FLOAT");
  return a ? a->f : fallback;
}

std::string attr_string(const Node& node, const std::string& key, const std::string& fallback) {
  const Attribute* a = get(node, key, Attribute::Kind::kString, "STRING");
  return a ? a->s : fallback;
}

std::vector<int64_t> attr_ints(const Node& node, const std::string& key, const std::vector<int64_t>& fallback) {
  const Attribute* a = get(node, key, Attribute::Kind::kInts, "INTS");
  return a ? a->ints : fallback;
}

std::vector<float> attr_floats(const Node& node, const std::string& key) {
  const Attribute* a = get(node, key, Attribute::Kind::kFloats, "FLOATS");
  return a ? a->floats : std::vector<float>{};
}

bool has_attr(const Node& node, const std::string& key) { return node.attr(key) != nullptr; }

}  // namespace nibble::convert
