#include "converter/onnx/onnx_importer.h"

#include <set>
#include <unordered_map>

#include "converter/onnx/attributes.h"
#include "converter/onnx/external_data.h"
#include "converter/onnx/guarded_schemas.h"
#include "converter/onnx/prechecks.h"
#include "converter/onnx/tensor_proto.h"
#include "converter/util/file_util.h"
#include "converter/passes/fold_kernels.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

namespace nibble::convert {

namespace {

// Opsets 1..6 are accepted: the lowering reads the pre-7 attribute forms
// (Pad 'paddings', Slice/Clip attributes, Concat's default axis, ...).
// Only the legacy broadcasting of opset < 7 (the 'broadcast'/'axis'
// attributes of binary ops and Gemm) is refused, in check_op_support.
constexpr int kMinOpset = 1;
constexpr int kMaxOpset = 17;

// Ops the converter lowers (fold-only ops are listed in fold_kernels.cc).
const std::set<std::string> kLowerable = {
    "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "Clip", "BatchNormalization",
    "MaxPool", "AveragePool", "GlobalAveragePool", "Reshape", "Flatten", "Pad", "Slice", "Concat",
    "Softmax", "Transpose", "Identity", "Dropout", "Squeeze", "Unsqueeze"};

// ONNX's checker and shape inference messages span lines (the node's
// name is on the second); ours are one line, so whitespace runs become one
// space. A message dumping a whole proto is cut.
std::string one_line(const std::string& s) {
  constexpr size_t kMaxLength = 400;
  std::string out;
  for (char c : s) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
    if (out.size() >= kMaxLength) return out + "...";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int default_opset(const std::string& path, const onnx::ModelProto& model) {
  int opset = -1;
  for (const auto& imp : model.opset_import()) {
    if (imp.domain().empty() || imp.domain() == "ai.onnx") opset = static_cast<int>(imp.version());
  }
  if (opset < 0) throw Error(path + ": the model imports no default-domain (ai.onnx) opset");
  if (opset < kMinOpset || opset > kMaxOpset) {
    throw Error(path + ": opset " + std::to_string(opset) + " is not supported (only " + std::to_string(kMinOpset) +
                ".." + std::to_string(kMaxOpset) + ")");
  }
  return opset;
}

// How messages name a node: its name, or for an unnamed one "OpType_INDEX".
std::string node_label(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
}

// Rejects ops we can never convert before the checker gets to them, so the
// message names the node in our one-line format.
void check_op_support(const onnx::ModelProto& model, int opset) {
  int index = 0;
  for (const auto& n : model.graph().node()) {
    const std::string label = node_label(n, index++);
    const bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
    if (!default_domain) {
      throw Error("node '" + label + "' (" + n.op_type() + ", domain '" + n.domain() +
                  "'): operator is not supported");
    }
    static const std::set<std::string> kLegacyBroadcast = {"Add", "Sub", "Mul", "Div", "Gemm"};
    if (opset < 7 && kLegacyBroadcast.count(n.op_type())) {
      throw Error("node '" + label + "' (" + n.op_type() + ", opset " + std::to_string(opset) +
                  "): legacy broadcasting (opset < 7) is not supported");
    }
    if (!kLowerable.count(n.op_type()) && !is_fold_only_op(n.op_type())) {
      throw Error("node '" + label + "' (" + n.op_type() + ", opset " + std::to_string(opset) +
                  "): operator is not supported");
    }
  }
}

// Fixes every non-initializer input to a static shape: the user's, else
// the model's with dynamic dims set to 1.
void set_input_shapes(const std::string& path, onnx::ModelProto& model, const ConvertOptions& options,
                      const std::set<std::string>& initializers) {
  std::set<std::string> inputs;
  for (auto& input : *model.mutable_graph()->mutable_input()) {
    if (initializers.count(input.name())) continue;
    inputs.insert(input.name());
    if (!input.type().has_tensor_type()) throw Error(path + ": graph input '" + input.name() + "' is not a tensor");
    auto* tensor_type = input.mutable_type()->mutable_tensor_type();
    auto it = options.input_shapes.find(input.name());
    if (it != options.input_shapes.end()) {
      if (tensor_type->has_shape() && tensor_type->shape().dim_size() != static_cast<int>(it->second.size())) {
        throw Error(path + ": --input-shape for '" + input.name() + "' has rank " + std::to_string(it->second.size()) +
                    ", the model's input has rank " + std::to_string(tensor_type->shape().dim_size()));
      }
      tensor_type->clear_shape();
      for (int64_t d : it->second) {
        if (d < 0) throw Error(path + ": --input-shape for '" + input.name() + "' has a negative dim");
        tensor_type->mutable_shape()->add_dim()->set_dim_value(d);
      }
      continue;
    }
    if (!tensor_type->has_shape()) {
      throw Error(path + ": graph input '" + input.name() + "' has no shape; give one with --input-shape");
    }
    for (auto& dim : *tensor_type->mutable_shape()->mutable_dim()) {
      if (!dim.has_dim_value()) dim.set_dim_value(1);
    }
  }
  for (const auto& [name, dims] : options.input_shapes) {
    if (!inputs.count(name)) throw Error(path + ": --input-shape: the model has no graph input '" + name + "'");
  }
  if (!options.input_shapes.empty()) {
    // Shapes recorded for the old input shapes would contradict inference.
    model.mutable_graph()->clear_value_info();
    for (auto& output : *model.mutable_graph()->mutable_output()) {
      auto* type = output.mutable_type();
      if (!type->has_tensor_type() || !type->tensor_type().has_shape()) continue;
      for (auto& dim : *type->mutable_tensor_type()->mutable_shape()->mutable_dim()) dim.clear_value();
    }
  }
}

// Each bound input becomes an initializer holding the file's tensor.
void bind_inputs(const std::string& path, onnx::ModelProto& model, const ConvertOptions& options) {
  auto* graph = model.mutable_graph();
  for (const auto& [name, file] : options.bind_inputs) {
    int found = -1;
    for (int k = 0; k < graph->input_size(); ++k) {
      if (graph->input(k).name() == name) found = k;
    }
    if (found < 0) throw Error(path + ": --bind: the model has no graph input '" + name + "'");
    onnx::TensorProto tensor;
    if (!tensor.ParseFromString(read_file(file))) {
      throw Error(file + ": not a TensorProto (protobuf parse failed)");
    }
    tensor.set_name(name);
    *graph->add_initializer() = tensor;
    graph->mutable_input()->DeleteSubrange(found, 1);
  }
}

Shape onnx_shape_of(const onnx::TypeProto& type, bool* known) {
  Shape s;
  *known = type.has_tensor_type() && type.tensor_type().has_shape();
  if (!*known) return s;
  for (const auto& d : type.tensor_type().shape().dim()) s.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return s;
}

}  // namespace

ImportedModel import_onnx(const std::string& path, const std::string& bytes, const ConvertOptions& options) {
  if (bytes.empty()) throw Error(path + ": not an ONNX model (empty file)");
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw Error(path + ": not an ONNX model (protobuf parse failed)");
  if (!model.has_graph()) throw Error(path + ": not an ONNX model (no graph)");
  ImportedModel result;
  result.opset = default_opset(path, model);
  result.onnx_nodes = model.graph().node_size();
  result.producer = model.producer_name() + (model.producer_version().empty() ? "" : " " + model.producer_version());
  check_op_support(model, result.opset);
  precheck_onnx_model(path, model);
  // Before the checker, which would look for the files relative to the
  // working directory.
  load_external_data(path, model);
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(path + ": ONNX checker: " + one_line(e.what()));
  }
  std::set<std::string> initializer_names;
  for (const auto& init : model.graph().initializer()) initializer_names.insert(init.name());
  bind_inputs(path, model, options);
  for (const auto& init : model.graph().initializer()) initializer_names.insert(init.name());
  set_input_shapes(path, model, options, initializer_names);
  try {
    onnx::ShapeInferenceOptions infer_options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
    const GuardedSchemaRegistry registry;
    onnx::shape_inference::InferShapes(model, &registry, infer_options);
  } catch (const std::exception& e) {
    throw Error(path + ": ONNX shape inference: " + one_line(e.what()));
  }

  Graph& g = result.graph;
  g.default_opset = result.opset;
  std::unordered_map<std::string, int> by_name;
  auto define = [&](const std::string& name) -> int {
    if (by_name.count(name)) throw Error(path + ": tensor '" + name + "' is defined twice");
    const int id = g.add_value(name, DType::kFloat32, {});
    if (g.values[id].name != name) throw Error(path + ": tensor name '" + name + "' clashes");
    by_name[name] = id;
    return id;
  };
  for (const auto& init : model.graph().initializer()) {
    const int id = define(init.name());
    TensorData t = tensor_from_proto(init, path + ": initializer '" + init.name() + "'");
    g.values[id].dtype = t.dtype;
    g.values[id].shape = t.shape;
    g.values[id].data = std::make_shared<const TensorData>(std::move(t));
  }
  for (const auto& input : model.graph().input()) {
    if (initializer_names.count(input.name())) continue;  // an initializer's default value
    const auto& tt = input.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT) {
      throw Error(path + ": graph input '" + input.name() + "' has element type " +
                  onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
                  " (only float32 is supported)");
    }
    const int id = define(input.name());
    for (const auto& d : tt.shape().dim()) g.values[id].shape.push_back(d.dim_value());
    if (checked_numel(g.values[id].shape, path + ": graph input '" + input.name() + "'") > kMaxTensorElements) {
      throw Error(path + ": graph input '" + input.name() + "' has shape " + shape_string(g.values[id].shape) +
                  ", more than the converter's limit of 2^31 elements");
    }
    g.inputs.push_back(id);
  }
  int index = 0;
  for (const auto& n : model.graph().node()) {
    Node node;
    node.name = node_label(n, index);
    node.op_type = n.op_type();
    node.opset = result.opset;
    for (const auto& a : n.attribute()) node.attrs[a.name()] = import_attribute(a, node.name);
    for (const auto& in : n.input()) {
      if (in.empty()) {
        node.inputs.push_back(-1);
        continue;
      }
      auto it = by_name.find(in);
      if (it == by_name.end()) throw Error(path + ": node '" + node.name + "' reads undefined tensor '" + in + "'");
      node.inputs.push_back(it->second);
    }
    for (const auto& out : n.output()) node.outputs.push_back(out.empty() ? -1 : define(out));
    g.nodes.push_back(std::move(node));
    ++index;
  }
  if (model.graph().output_size() == 0) throw Error(path + ": the graph has no outputs");
  for (const auto& out : model.graph().output()) {
    auto it = by_name.find(out.name());
    if (it == by_name.end()) throw Error(path + ": graph output '" + out.name() + "' is never computed");
    g.outputs.push_back(it->second);
  }
  auto attach = [&](const onnx::ValueInfoProto& info) {
    auto it = by_name.find(info.name());
    if (it == by_name.end()) return;
    bool known = false;
    Shape s = onnx_shape_of(info.type(), &known);
    if (known && !g.values[it->second].is_constant()) {
      g.values[it->second].has_onnx_shape = true;
      g.values[it->second].onnx_shape = s;
    }
  };
  for (const auto& info : model.graph().value_info()) attach(info);
  for (const auto& info : model.graph().output()) attach(info);
  return result;
}

}  // namespace nibble::convert
