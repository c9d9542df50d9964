// The schema registry handed to onnx::shape_inference. It is ONNX's own,
// except that Conv's inference function first checks what libonnx 1.12's
// convPoolShapeInference assumes without checking: when kernel_shape is
// not an attribute it takes the kernel from W's dims, then indexes the
// per-axis dilations, pads and X dims with W's spatial rank. A W of higher
// rank than X reads out of bounds (a SEGV when X is 2-D and the dilations
// vector is empty), and so does a lower-rank W under auto_pad SAME_*.
// Those graphs fail as a shape-inference error naming the node instead.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "onnx/defs/schema.h"

namespace nibble::convert {

// One per import (InferShapes is single-threaded), so no locking.
class GuardedSchemaRegistry final : public onnx::ISchemaRegistry {
 public:
  const onnx::OpSchema* GetSchema(const std::string& key, const int maxInclusiveVersion,
                                  const std::string& domain) const override;

 private:
  // Guarded copies, made on first use, keyed by the registry's schema
  // (one per Conv opset version).
  mutable std::map<const onnx::OpSchema*, std::unique_ptr<onnx::OpSchema>> guarded_;
};

}  // namespace nibble::convert
