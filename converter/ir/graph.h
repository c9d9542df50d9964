// The converter's graph: ONNX nodes as imported, then nibble operators as
// lowered, over one table of values (tensors). Nodes are kept in
// topological order by every pass.
#pragma once

#include <limits>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "converter/ir/encoded_weights.h"
#include "converter/ir/tensor_data.h"
#include "schema/nibble_generated.h"

namespace nibble::convert {

struct Value {
  std::string name;
  DType dtype = DType::kFloat32;
  // Logical (ONNX) shape. For an activation marked nhwc the bytes are in
  // NHWC order; memory_shape() gives the shape as written to the file.
  Shape shape;
  // Non-null for constants.
  std::shared_ptr<const TensorData> data;
  // Set by quantization: how the constant is stored in the file (null:
  // raw float32).
  std::shared_ptr<const EncodedWeights> encoded;
  bool nhwc = false;
  // Activations only: shape[0] is the token axis and holds its maximum
  // (schema Tensor.sequence); a run processes the first n rows.
  bool sequence = false;
  // Shape ONNX shape inference found (-1 for unknown dims), if any; checked
  // against our own static shapes.
  bool has_onnx_shape = false;
  Shape onnx_shape;

  bool is_constant() const { return data != nullptr; }
  Shape memory_shape() const;
};

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kTensor, kOther };
  Kind kind = Kind::kOther;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::shared_ptr<const TensorData> tensor;
};

// A lowered nibble operator's options. Axis-valued fields (pads, starts,
// steps, axis, perm) are in memory order of the node's tensors: logical
// order until the layout pass puts a node in NHWC mode and remaps them.
struct NbOp {
  fb::OpCode code = fb::OpCode::RESHAPE;
  // CONV2D and the pools.
  int kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int groups = 1;
  bool count_include_pad = false;
  // Fused output clamp (CLAMP: its range).
  float out_min = -std::numeric_limits<float>::infinity();
  float out_max = std::numeric_limits<float>::infinity();
  fb::BinaryKind binary = fb::BinaryKind::ADD;
  fb::PadMode pad_mode = fb::PadMode::CONSTANT;
  std::vector<int64_t> pads;  // PAD: [begin_0, end_0, begin_1, end_1, ...]
  float pad_value = 0;
  std::vector<int64_t> starts, steps;  // SLICE
  int axis = 0;                        // CONCAT, SOFTMAX
  std::vector<int> perm;               // TRANSPOSE
  bool positional = false;             // EMBEDDING: rows by position, not by id
  float epsilon = 1e-5f;               // LAYER_NORM
  fb::GeluApproximation gelu = fb::GeluApproximation::TANH;  // GELU
  int num_heads = 0, max_positions = 0;                      // ATTENTION

  bool has_activation() const;
};

struct Node {
  std::string name;
  std::string op_type;  // ONNX op type (for lowered nodes: the source op)
  int opset = 0;
  std::vector<int> inputs;   // value ids; -1 = optional input not given
  std::vector<int> outputs;  // value ids; -1 = optional output not requested
  std::map<std::string, Attribute> attrs;
  bool lowered = false;  // true: nb is the operator, attrs are unused
  NbOp nb;
  bool nhwc = false;  // lowered node runs on NHWC tensors (layout pass)

  int input(size_t k) const { return k < inputs.size() ? inputs[k] : -1; }
  const Attribute* attr(const std::string& key) const;
};

class Graph {
 public:
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;
  std::vector<int> outputs;
  int default_opset = 0;

  // Adds a value with a name not used yet (base, base_1, base_2, ...).
  int add_value(const std::string& base_name, DType dtype, const Shape& shape);
  int add_constant(const std::string& base_name, TensorData data);
  // Registers a name taken by a value added directly to values.
  void reserve_name(const std::string& name) { names_.insert(name); }
  std::string unique_name(const std::string& base);

  const TensorData* constant(int value) const;
  bool is_constant(int value) const { return value >= 0 && values[value].is_constant(); }
  bool is_graph_output(int value) const;
  bool is_graph_input(int value) const;
  // For each value, the indices of the nodes that read it (once per node).
  std::vector<std::vector<int>> consumers() const;
  // Index of the node writing each value, or -1.
  std::vector<int> producers() const;
  // Every node input `from` becomes `to` (graph outputs untouched).
  void replace_uses(int from, int to);

 private:
  std::unordered_set<std::string> names_;
};

// "node 'NAME' (OpType, opset N)": how errors name a node.
std::string describe(const Node& node);
// Throws Error("node '...' (..): what").
[[noreturn]] void fail(const Node& node, const std::string& what);

}  // namespace nibble::convert
