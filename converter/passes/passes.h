// The conversion passes, in the order convert.cc runs them.
#pragma once

#include "converter/convert.h"
#include "converter/ir/graph.h"

namespace nibble::convert {

// Evaluates every node whose inputs are constant (Shape/Size need only a
// static shape) and gives every other value its static shape and type.
void fold_constants(Graph& g, ConvertReport& report);

// Computes the output shapes of one node that is not folded; throws for
// unsupported ops and non-float activations.
void infer_static_shapes(Graph& g, const Node& node);

// BatchNormalization after a Conv (sole consumer) is merged into the
// Conv's weights and bias; any other becomes Mul + Add by constants.
void fold_batchnorms(Graph& g, ConvertReport& report);

// ONNX nodes -> nibble operators (Gemm/MatMul through gemm_lowering).
void lower_to_nibble(Graph& g);

// Relu/Clip (a CLAMP) merged into the op producing its input.
void fuse_activations(Graph& g, ConvertReport& report);

// Removes nodes whose outputs no graph output depends on.
void remove_dead_code(Graph& g);

// Puts spatial ops' tensors in NHWC and inserts the layout transposes.
void assign_nhwc_layout(Graph& g, ConvertReport& report);

// Merges transpose/reshape/slice chains and turns byte-preserving
// transposes into reshapes.
void simplify_layout_ops(Graph& g);

}  // namespace nibble::convert
