#include "loader/op_parser.h"

#include <cmath>

#include "core/allocation.h"
#include "loader/vector_alignment.h"

namespace nibble {
namespace {

struct Arity {
  int32_t min_inputs;
  int32_t max_inputs;
  fb::OpOptions options;
};

// Indexed by OpCode. Conv2d and Linear take {x, weights, bias?}.
constexpr Arity kArity[kNumOpCodes] = {
    {2, 3, fb::OpOptions::Conv2dOptions},     // CONV2D
    {2, 3, fb::OpOptions::LinearOptions},     // LINEAR
    {2, 2, fb::OpOptions::BinaryOptions},     // BINARY
    {1, 1, fb::OpOptions::ClampOptions},      // CLAMP
    {1, 1, fb::OpOptions::Pool2dOptions},     // MAX_POOL2D
    {1, 1, fb::OpOptions::Pool2dOptions},     // AVERAGE_POOL2D
    {1, 1, fb::OpOptions::GlobalPoolOptions}, // GLOBAL_AVERAGE_POOL
    {1, 1, fb::OpOptions::ReshapeOptions},    // RESHAPE
    {1, 1, fb::OpOptions::PadOptions},        // PAD
    {1, 1, fb::OpOptions::SliceOptions},      // SLICE
    {1, kMaxOpInputs, fb::OpOptions::ConcatOptions},  // CONCAT
    {1, 1, fb::OpOptions::SoftmaxOptions},    // SOFTMAX
    {1, 1, fb::OpOptions::TransposeOptions},  // TRANSPOSE
    {2, 2, fb::OpOptions::EmbeddingOptions},  // EMBEDDING {ids, table}
    {2, 3, fb::OpOptions::LayerNormOptions},  // LAYER_NORM {x, gamma, beta?}
    {1, 1, fb::OpOptions::GeluOptions},       // GELU
    {1, 1, fb::OpOptions::AttentionOptions},  // ATTENTION {qkv}
};

Status activation(const char* name, float min, float max, Activation* out) {
  if (std::isnan(min) || std::isnan(max) || min > max) {
    return NIBBLE_ERROR(kMalformed, "op '%s': output clamp [%g, %g] is not a range", name, min, max);
  }
  out->min = min;
  out->max = max;
  return Status::ok();
}

template <typename Options>
Window2d window(const Options* o) {
  return Window2d{o->kernel_h(),   o->kernel_w(),   o->stride_h(), o->stride_w(),   o->dilation_h(),
                  o->dilation_w(), o->pad_top(),    o->pad_left(), o->pad_bottom(), o->pad_right()};
}

// Copies a per-dimension vector option whose length must equal `rank`.
template <typename T, typename U>
Status copy_per_dim(const char* name, const char* what, const flatbuffers::Vector<U>* v, int32_t rank,
                    int32_t stride, T* out) {
  const uint32_t expected = static_cast<uint32_t>(rank * stride);
  if (!elements_aligned(v)) {
    return NIBBLE_ERROR(kMisaligned, "op '%s': %s vector is not %zu-byte aligned", name, what, alignof(U));
  }
  if (v == nullptr || v->size() != expected) {
    return NIBBLE_ERROR(kMalformed, "op '%s': %s has %u entries, expected %u", name, what, v == nullptr ? 0 : v->size(),
                        expected);
  }
  for (uint32_t i = 0; i < expected; ++i) out[i] = static_cast<T>(v->Get(i));
  return Status::ok();
}

Status parse_options(const fb::Operator* op, const Model::Impl* impl, OpDesc* d) {
  OpParams& p = d->params;
  const char* name = d->name;
  const int32_t in_rank = impl->tensors[d->inputs[0]].rank;
  switch (p.code) {
    case OpCode::kConv2d: {
      const auto* o = op->options_as_Conv2dOptions();
      p.conv2d.window = window(o);
      p.conv2d.groups = o->groups();
      return activation(name, o->output_min(), o->output_max(), &p.conv2d.activation);
    }
    case OpCode::kLinear: {
      const auto* o = op->options_as_LinearOptions();
      return activation(name, o->output_min(), o->output_max(), &p.linear.activation);
    }
    case OpCode::kBinary: {
      const auto* o = op->options_as_BinaryOptions();
      if (o->kind() < fb::BinaryKind::MIN || o->kind() > fb::BinaryKind::MAX) {
        return NIBBLE_ERROR(kMalformed, "op '%s': unknown binary kind %d", name, static_cast<int>(o->kind()));
      }
      p.binary.kind = static_cast<BinaryKind>(o->kind());
      return activation(name, o->output_min(), o->output_max(), &p.binary.activation);
    }
    case OpCode::kClamp: {
      const auto* o = op->options_as_ClampOptions();
      return activation(name, o->min(), o->max(), &p.clamp.activation);
    }
    case OpCode::kMaxPool2d:
    case OpCode::kAveragePool2d: {
      const auto* o = op->options_as_Pool2dOptions();
      p.pool2d.window = window(o);
      p.pool2d.count_include_pad = o->count_include_pad();
      return activation(name, o->output_min(), o->output_max(), &p.pool2d.activation);
    }
    case OpCode::kGlobalAveragePool: {
      const auto* o = op->options_as_GlobalPoolOptions();
      return activation(name, o->output_min(), o->output_max(), &p.global_pool.activation);
    }
    case OpCode::kReshape:
      return Status::ok();
    case OpCode::kPad: {
      const auto* o = op->options_as_PadOptions();
      if (o->mode() < fb::PadMode::MIN || o->mode() > fb::PadMode::MAX) {
        return NIBBLE_ERROR(kMalformed, "op '%s': unknown pad mode %d", name, static_cast<int>(o->mode()));
      }
      p.pad.mode = static_cast<PadMode>(o->mode());
      p.pad.value = o->value();
      int64_t pads[2 * kMaxRank];
      NIBBLE_RETURN_IF_ERROR(copy_per_dim(name, "pads", o->pads(), in_rank, 2, pads));
      for (int32_t i = 0; i < in_rank; ++i) {
        p.pad.before[i] = pads[2 * i];
        p.pad.after[i] = pads[2 * i + 1];
      }
      return Status::ok();
    }
    case OpCode::kSlice: {
      const auto* o = op->options_as_SliceOptions();
      NIBBLE_RETURN_IF_ERROR(copy_per_dim(name, "starts", o->starts(), in_rank, 1, p.slice.starts));
      return copy_per_dim(name, "steps", o->steps(), in_rank, 1, p.slice.steps);
    }
    case OpCode::kConcat:
      p.concat.axis = op->options_as_ConcatOptions()->axis();
      return Status::ok();
    case OpCode::kSoftmax:
      p.softmax.axis = op->options_as_SoftmaxOptions()->axis();
      return Status::ok();
    case OpCode::kTranspose:
      return copy_per_dim(name, "perm", op->options_as_TransposeOptions()->perm(), in_rank, 1, p.transpose.perm);
    case OpCode::kEmbedding:
      p.embedding.positional = op->options_as_EmbeddingOptions()->positional();
      return Status::ok();
    case OpCode::kLayerNorm: {
      const float eps = op->options_as_LayerNormOptions()->epsilon();
      if (!(eps > 0.0f) || !std::isfinite(eps)) {
        return NIBBLE_ERROR(kMalformed, "op '%s': layer norm epsilon %g is not finite and > 0", name, eps);
      }
      p.layer_norm.epsilon = eps;
      return Status::ok();
    }
    case OpCode::kGelu: {
      const auto a = op->options_as_GeluOptions()->approximation();
      if (a < fb::GeluApproximation::MIN || a > fb::GeluApproximation::MAX) {
        return NIBBLE_ERROR(kMalformed, "op '%s': unknown GELU approximation %d", name, static_cast<int>(a));
      }
      p.gelu.approximation = static_cast<GeluApproximation>(a);
      return Status::ok();
    }
    case OpCode::kAttention: {
      const auto* o = op->options_as_AttentionOptions();
      if (o->num_heads() <= 0 || o->max_positions() <= 0) {
        return NIBBLE_ERROR(kMalformed, "op '%s': attention num_heads %d and max_positions %d must be > 0", name,
                            o->num_heads(), o->max_positions());
      }
      p.attention.num_heads = o->num_heads();
      p.attention.max_positions = o->max_positions();
      return Status::ok();
    }
  }
  return NIBBLE_ERROR(kInternal, "op '%s': unhandled op code", name);
}

Status parse_indices(const char* name, const char* what, const flatbuffers::Vector<int32_t>* v, int32_t min,
                     int32_t max, uint32_t num_tensors, int32_t* out, int32_t* count) {
  const uint32_t n = v == nullptr ? 0 : v->size();
  if (n < static_cast<uint32_t>(min) || n > static_cast<uint32_t>(max)) {
    return NIBBLE_ERROR(kMalformed, "op '%s' has %u %s, expected %d..%d", name, n, what, min, max);
  }
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t t = v->Get(i);
    if (t < 0 || static_cast<uint32_t>(t) >= num_tensors) {
      return NIBBLE_ERROR(kOutOfRange, "op '%s' %s %u: tensor index %d out of range (%u tensors)", name, what, i, t,
                          num_tensors);
    }
    out[i] = t;
  }
  *count = static_cast<int32_t>(n);
  return Status::ok();
}

}  // namespace

Status parse_operators(Model::Impl* impl) {
  const auto* ops = impl->root->operators();
  const uint32_t n = ops == nullptr ? 0 : ops->size();
  if (n > kMaxOperators) return NIBBLE_ERROR(kOutOfRange, "model declares %u operators (limit %u)", n, kMaxOperators);
  impl->ops = allocate_array<OpDesc>(impl->allocator, n);
  if (impl->ops == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for %u operators", n);
  impl->num_ops = n;
  for (uint32_t i = 0; i < n; ++i) {
    const fb::Operator* op = ops->Get(i);
    OpDesc& d = impl->ops[i];
    d.name = op->name() != nullptr ? op->name()->c_str() : "";
    const uint16_t code = static_cast<uint16_t>(op->opcode());
    if (code >= kNumOpCodes) {
      return NIBBLE_ERROR(kUnsupported, "op %u '%s': unknown op code %u", i, d.name, code);
    }
    d.params.code = static_cast<OpCode>(code);
    const Arity& arity = kArity[code];
    if (op->options_type() != arity.options || op->options() == nullptr) {
      return NIBBLE_ERROR(kMalformed, "op %u '%s' (%s): options table missing or of the wrong type", i, d.name,
                          op_code_name(d.params.code));
    }
    NIBBLE_RETURN_IF_ERROR(parse_indices(d.name, "inputs", op->inputs(), arity.min_inputs, arity.max_inputs,
                                         impl->num_tensors, d.inputs, &d.num_inputs));
    NIBBLE_RETURN_IF_ERROR(parse_indices(d.name, "outputs", op->outputs(), 1, kMaxOpOutputs, impl->num_tensors,
                                         d.outputs, &d.num_outputs));
    // Weights, bias, embedding tables and norm parameters (inputs 1..) are
    // constants: only they may be encoded, and the kernels read them in place.
    if (d.params.code == OpCode::kConv2d || d.params.code == OpCode::kLinear ||
        d.params.code == OpCode::kEmbedding || d.params.code == OpCode::kLayerNorm) {
      for (int32_t k = 1; k < d.num_inputs; ++k) {
        if (impl->tensors[d.inputs[k]].constant_data == nullptr) {
          return NIBBLE_ERROR(kMalformed, "op '%s' (%s): input %d (weights, table or parameters) must be a constant",
                              d.name, op_code_name(d.params.code), k);
        }
      }
    }
    NIBBLE_RETURN_IF_ERROR(parse_options(op, impl, &d));
  }
  return Status::ok();
}

}  // namespace nibble
