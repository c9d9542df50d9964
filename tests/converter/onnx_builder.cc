#include "tests/converter/onnx_builder.h"

#include <fstream>

#include "onnx/shape_inference/implementation.h"

namespace nibble::test {

OnnxBuilder::OnnxBuilder(int opset) {
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name("nibble-tests");
  auto* imp = model.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  model.mutable_graph()->set_name("test");
}

namespace {

void set_type(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims, bool with_shape) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  if (!with_shape) return;
  auto* shape = t->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

}  // namespace

OnnxBuilder& OnnxBuilder::input(const std::string& name, const std::vector<int64_t>& dims) {
  set_type(model.mutable_graph()->add_input(), name, dims, true);
  return *this;
}

OnnxBuilder& OnnxBuilder::output(const std::string& name, const std::vector<int64_t>& dims) {
  set_type(model.mutable_graph()->add_output(), name, dims, !dims.empty());
  return *this;
}

OnnxBuilder& OnnxBuilder::initializer(const std::string& name, const std::vector<int64_t>& dims,
                                      const std::vector<float>& values) {
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return *this;
}

OnnxBuilder& OnnxBuilder::initializer_i64(const std::string& name, const std::vector<int64_t>& dims,
                                          const std::vector<int64_t>& values) {
  auto* t = model.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return *this;
}

onnx::NodeProto& OnnxBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = model.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + std::to_string(model.graph().node_size()) : name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return *n;
}

void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& key, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& key, float v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& key, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void OnnxBuilder::attr(onnx::NodeProto& n, const std::string& key, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void OnnxBuilder::save(const std::string& path) const {
  // The checker wants a shape on every graph output; fill in the ones a
  // test left out from ONNX shape inference.
  onnx::ModelProto copy = model;
  try {
    onnx::shape_inference::InferShapes(copy);
  } catch (const std::exception&) {
    // Tests of invalid models save them as they are.
  }
  for (int k = 0; k < copy.graph().output_size(); ++k) {
    if (copy.graph().output(k).type().tensor_type().has_shape()) continue;
    for (const auto& info : copy.graph().value_info()) {
      if (info.name() == copy.graph().output(k).name()) *copy.mutable_graph()->mutable_output(k) = info;
    }
  }
  std::ofstream out(path, std::ios::binary);
  copy.SerializeToOstream(&out);
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

}  // namespace nibble::test
