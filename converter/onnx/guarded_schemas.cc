#include "converter/onnx/guarded_schemas.h"

#include "onnx/defs/shape_inference.h"

namespace nibble::convert {

namespace {

int rank_of(onnx::InferenceContext& ctx, size_t input) {
  return ctx.getInputType(input)->tensor_type().shape().dim_size();
}

// Refuses the operand ranks on which convPoolShapeInference indexes out of
// bounds (guarded_schemas.h); every other graph reaches it unchanged.
void check_conv_ranks(onnx::InferenceContext& ctx) {
  if (ctx.getAttribute("kernel_shape") != nullptr) return;  // checked against X's rank by ONNX
  if (!onnx::hasInputShape(ctx, 0) || !onnx::hasInputShape(ctx, 1)) return;  // ONNX infers nothing
  const int x_rank = rank_of(ctx, 0);
  const int w_rank = rank_of(ctx, 1);
  if (x_rank < 2 || w_rank == x_rank) return;  // ONNX refuses X of rank < 2 itself
  const auto* auto_pad = ctx.getAttribute("auto_pad");
  const bool pads_from_kernel =
      ctx.getAttribute("pads") == nullptr && auto_pad != nullptr && auto_pad->s() != "VALID" && auto_pad->s() != "NOTSET";
  if (w_rank > x_rank || pads_from_kernel) {
    fail_shape_inference("W has rank ", w_rank, " and X has rank ", x_rank, "; without a kernel_shape attribute they must match");
  }
}

}  // namespace

const onnx::OpSchema* GuardedSchemaRegistry::GetSchema(const std::string& key, const int maxInclusiveVersion,
                                                       const std::string& domain) const {
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(key, maxInclusiveVersion, domain);
  if (schema == nullptr || schema->Name() != "Conv" || schema->domain() != onnx::ONNX_DOMAIN) return schema;
  auto& guarded = guarded_[schema];
  if (!guarded) {
    guarded = std::make_unique<onnx::OpSchema>(*schema);
    onnx::InferenceFunction infer = schema->GetTypeAndShapeInferenceFunction();
    guarded->TypeAndShapeInferenceFunction([infer](onnx::InferenceContext& ctx) {
      check_conv_ranks(ctx);
      if (infer) infer(ctx);
    });
  }
  return guarded.get();
}

}  // namespace nibble::convert
