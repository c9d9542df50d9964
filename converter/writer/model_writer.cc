#include "converter/writer/model_writer.h"

#include <climits>
#include <cstring>
#include <unordered_map>

#include "converter/convert.h"
#include "loader/file_layout.h"
#include "planner/memory_planner.h"

namespace nibble::convert {

const char* opcode_name(fb::OpCode code) { return fb::EnumNameOpCode(code); }

namespace {

constexpr const char* kProducer = "nibble-convert";
constexpr const char* kProducerVersion = "0.1.0";

// Tensor indices: graph inputs, then each node's inputs and outputs in
// order of first use, then graph outputs.
std::vector<int> tensor_order(const Graph& g, std::unordered_map<int, int>* index) {
  std::vector<int> order;
  auto add = [&](int v) {
    if (v >= 0 && !index->count(v)) {
      (*index)[v] = static_cast<int>(order.size());
      order.push_back(v);
    }
  };
  for (int v : g.inputs) add(v);
  for (const Node& n : g.nodes) {
    for (int v : n.inputs) add(v);
    for (int v : n.outputs) add(v);
  }
  for (int v : g.outputs) add(v);
  return order;
}

void check_graph(const Graph& g) {
  for (int v : g.outputs) {
    if (g.is_constant(v)) {
      throw Error("graph output '" + g.values[v].name + "' is a constant (the model computes nothing from its inputs)");
    }
    if (g.is_graph_input(v)) throw Error("graph output '" + g.values[v].name + "' is a graph input");
  }
  for (const Node& n : g.nodes) {
    if (!n.lowered) fail(n, "internal error: node was not lowered");
    for (int v : n.outputs) {
      for (int64_t d : g.values[v].shape) {
        if (d == 0) fail(n, "output '" + g.values[v].name + "' is empty (a zero dimension); empty tensors are not supported");
      }
    }
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int v = n.inputs[k];
      if (v < 0 || g.values[v].dtype == DType::kFloat32) continue;
      // Token ids (int32, a graph input) are the one non-float tensor the
      // file carries: EMBEDDING's first input reads them.
      const bool ids = n.nb.code == fb::OpCode::EMBEDDING && k == 0 && g.values[v].dtype == DType::kInt32 &&
                       g.is_graph_input(v);
      if (!ids) fail(n, "internal error: non-float tensor '" + g.values[v].name + "' reaches an operator");
    }
  }
}

flatbuffers::Offset<void> build_options(flatbuffers::FlatBufferBuilder& b, const NbOp& o, fb::OpOptions* type) {
  switch (o.code) {
    case fb::OpCode::CONV2D:
      *type = fb::OpOptions::Conv2dOptions;
      return fb::CreateConv2dOptions(b, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w,
                                     o.pad_top, o.pad_left, o.pad_bottom, o.pad_right, o.groups, o.out_min,
                                     o.out_max).Union();
    case fb::OpCode::LINEAR:
      *type = fb::OpOptions::LinearOptions;
      return fb::CreateLinearOptions(b, o.out_min, o.out_max).Union();
    case fb::OpCode::BINARY:
      *type = fb::OpOptions::BinaryOptions;
      return fb::CreateBinaryOptions(b, o.binary, o.out_min, o.out_max).Union();
    case fb::OpCode::CLAMP:
      *type = fb::OpOptions::ClampOptions;
      return fb::CreateClampOptions(b, o.out_min, o.out_max).Union();
    case fb::OpCode::MAX_POOL2D:
    case fb::OpCode::AVERAGE_POOL2D:
      *type = fb::OpOptions::Pool2dOptions;
      return fb::CreatePool2dOptions(b, o.kernel_h, o.kernel_w, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w,
                                     o.pad_top, o.pad_left, o.pad_bottom, o.pad_right, o.count_include_pad,
                                     o.out_min, o.out_max).Union();
    case fb::OpCode::GLOBAL_AVERAGE_POOL:
      *type = fb::OpOptions::GlobalPoolOptions;
      return fb::CreateGlobalPoolOptions(b, o.out_min, o.out_max).Union();
    case fb::OpCode::RESHAPE:
      *type = fb::OpOptions::ReshapeOptions;
      return fb::CreateReshapeOptions(b).Union();
    case fb::OpCode::PAD:
      *type = fb::OpOptions::PadOptions;
      return fb::CreatePadOptionsDirect(b, o.pad_mode, &o.pads, o.pad_value).Union();
    case fb::OpCode::SLICE:
      *type = fb::OpOptions::SliceOptions;
      return fb::CreateSliceOptionsDirect(b, &o.starts, &o.steps).Union();
    case fb::OpCode::CONCAT:
      *type = fb::OpOptions::ConcatOptions;
      return fb::CreateConcatOptions(b, o.axis).Union();
    case fb::OpCode::SOFTMAX:
      *type = fb::OpOptions::SoftmaxOptions;
      return fb::CreateSoftmaxOptions(b, o.axis).Union();
    case fb::OpCode::TRANSPOSE: {
      *type = fb::OpOptions::TransposeOptions;
      return fb::CreateTransposeOptionsDirect(b, &o.perm).Union();
    }
    case fb::OpCode::EMBEDDING:
      *type = fb::OpOptions::EmbeddingOptions;
      return fb::CreateEmbeddingOptions(b, o.positional).Union();
    case fb::OpCode::LAYER_NORM:
      *type = fb::OpOptions::LayerNormOptions;
      return fb::CreateLayerNormOptions(b, o.epsilon).Union();
    case fb::OpCode::GELU:
      *type = fb::OpOptions::GeluOptions;
      return fb::CreateGeluOptions(b, o.gelu).Union();
    case fb::OpCode::ATTENTION:
      *type = fb::OpOptions::AttentionOptions;
      return fb::CreateAttentionOptions(b, o.num_heads, o.max_positions).Union();
  }
  throw Error("internal error: unknown opcode");
}

flatbuffers::Offset<void> build_codec(flatbuffers::FlatBufferBuilder& b, const EncodedWeights& e, fb::Codec* type) {
  const codec::WeightLayout& l = e.layout;
  const auto granularity = static_cast<fb::Granularity>(l.granularity);
  const auto scale_type = static_cast<fb::ScaleType>(l.scale_type);
  const auto group_size = static_cast<uint32_t>(l.granularity == codec::Granularity::kGroup ? l.group_size : 0);
  switch (l.format) {
    case codec::Format::kF32:
      *type = fb::Codec::RawCodec;
      return fb::CreateRawCodec(b).Union();
    case codec::Format::kF16:
    case codec::Format::kBF16:
      *type = fb::Codec::HalfCodec;
      return fb::CreateHalfCodec(b, l.format == codec::Format::kF16 ? fb::HalfFormat::F16 : fb::HalfFormat::BF16)
          .Union();
    case codec::Format::kQ8_0:
    case codec::Format::kQ4_0:
    case codec::Format::kQ4_1:
    case codec::Format::kQ5_0:
    case codec::Format::kQ5_1: {
      // BlockFormat follows Format's order from Q8_0.
      *type = fb::Codec::BlockCodec;
      const auto format = static_cast<fb::BlockFormat>(static_cast<int>(l.format) - static_cast<int>(codec::Format::kQ8_0));
      return fb::CreateBlockCodec(b, format).Union();
    }
    case codec::Format::kInt:
      *type = fb::Codec::IntCodec;
      return fb::CreateIntCodec(b, static_cast<uint8_t>(l.bits), l.symmetric, granularity, group_size, scale_type)
          .Union();
    case codec::Format::kTable:
      *type = fb::Codec::TableCodec;
      // pqnt, lsq and log2 tables follow from kind, bits and parameter: the
      // reader builds them (schema/README.md), so only learned ones are stored.
      return fb::CreateTableCodecDirect(b, static_cast<fb::TableKind>(e.table_kind), static_cast<uint8_t>(l.bits),
                                        granularity, group_size, scale_type,
                                        e.table_kind == codec::TableKind::kLut ? &e.table : nullptr, e.parameter)
          .Union();
  }
  throw Error("internal error: unknown codec format");
}

flatbuffers::Offset<fb::Tokenizer> build_tokenizer(flatbuffers::FlatBufferBuilder& b, const BpeVocabulary& v) {
  if (v.empty()) return 0;
  if (v.merges.size() != v.merge_results.size()) throw Error("internal error: tokenizer merges and merge results differ in count");
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offsets{0};
  for (const std::string& token : v.tokens) {
    bytes.insert(bytes.end(), token.begin(), token.end());
    if (bytes.size() > 0xffffffffull) throw Error("the tokenizer's token bytes exceed 4 GiB");
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  std::vector<int32_t> merges;
  for (const auto& [left, right] : v.merges) {
    merges.push_back(left);
    merges.push_back(right);
  }
  return fb::CreateTokenizerDirect(b, fb::TokenizerKind::GPT2_BPE, &bytes, &offsets, &merges, &v.merge_results,
                                   v.bos_token, v.eos_token);
}

}  // namespace

WrittenModel build_model_file(const Graph& g, const FileMetadata& meta) {
  check_graph(g);
  std::unordered_map<int, int> index;
  const std::vector<int> order = tensor_order(g, &index);
  const size_t num_tensors = order.size();
  const int num_ops = static_cast<int>(g.nodes.size());

  // Lifetimes (constants: size 0, so the planner gives them offset 0).
  constexpr int32_t kUnwritten = INT32_MAX;
  std::vector<TensorLifetime> life(num_tensors, TensorLifetime{0, 0, 0});
  for (size_t t = 0; t < num_tensors; ++t) {
    const Value& v = g.values[order[t]];
    if (v.is_constant()) continue;
    life[t].size_bytes = static_cast<uint64_t>(shape_numel(v.shape)) * 4;
    life[t].first_op = g.is_graph_input(order[t]) ? -1 : kUnwritten;
    life[t].last_op = life[t].first_op == -1 ? -1 : 0;
  }
  for (int n = 0; n < num_ops; ++n) {
    for (int v : g.nodes[n].inputs) {
      if (v < 0) continue;
      TensorLifetime& l = life[index.at(v)];
      if (!g.is_constant(v) && l.first_op >= n) {
        fail(g.nodes[n], "internal error: tensor '" + g.values[v].name + "' is read before it is written");
      }
      l.last_op = std::max(l.last_op, n);
    }
    for (int v : g.nodes[n].outputs) {
      TensorLifetime& l = life[index.at(v)];
      if (l.first_op != kUnwritten) fail(g.nodes[n], "internal error: tensor '" + g.values[v].name + "' is written twice");
      l.first_op = n;
      l.last_op = std::max(l.last_op, n);
    }
  }
  for (int v : g.outputs) life[index.at(v)].last_op = num_ops;
  for (size_t t = 0; t < num_tensors; ++t) {
    if (life[t].first_op == kUnwritten) throw Error("internal error: tensor '" + g.values[order[t]].name + "' is never written");
  }
  std::vector<uint64_t> offsets(num_tensors, 0);
  std::vector<uint32_t> scratch(2 * num_tensors + 1);
  WrittenModel result;
  const Status planned = plan_memory(life.data(), num_tensors, offsets.data(), &result.arena_bytes, scratch.data(),
                                     scratch.size() * sizeof(uint32_t));
  if (!planned.is_ok()) throw Error(std::string("memory planning failed: ") + planned.message());

  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  std::vector<flatbuffers::Offset<fb::Segment>> segments;
  std::string data;
  for (size_t t = 0; t < num_tensors; ++t) {
    const Value& v = g.values[order[t]];
    const std::vector<int64_t> shape = v.memory_shape();
    if (!v.is_constant()) {
      const fb::ElementType type = v.dtype == DType::kInt32 ? fb::ElementType::I32 : fb::ElementType::F32;
      tensors.push_back(fb::CreateTensorDirect(b, v.name.c_str(), &shape, type, fb::Codec::NONE, 0, -1, v.sequence));
      continue;
    }
    data.resize(align_up(data.size(), kSegmentAlignment), '\0');
    if (v.encoded != nullptr) {
      const EncodedWeights& e = *v.encoded;
      segments.push_back(fb::CreateSegment(b, data.size(), e.bytes.size()));
      data.append(reinterpret_cast<const char*>(e.bytes.data()), e.bytes.size());
      result.weight_bytes += e.bytes.size();
      fb::Codec type = fb::Codec::NONE;
      const auto codec = build_codec(b, e, &type);
      tensors.push_back(fb::CreateTensorDirect(b, v.name.c_str(), &shape, fb::ElementType::F32, type, codec,
                                               static_cast<int32_t>(segments.size() - 1)));
      continue;
    }
    const std::vector<float>& f = v.data->f;
    segments.push_back(fb::CreateSegment(b, data.size(), f.size() * 4));
    data.append(reinterpret_cast<const char*>(f.data()), f.size() * 4);  // little-endian host
    result.weight_bytes += f.size() * 4;
    tensors.push_back(fb::CreateTensorDirect(b, v.name.c_str(), &shape, fb::ElementType::F32, fb::Codec::RawCodec,
                                             fb::CreateRawCodec(b).Union(), static_cast<int32_t>(segments.size() - 1)));
  }
  // A tail after the last segment: SIMD kernels (XNNPACK's among them)
  // may read a few bytes past a constant they are given, and the runtime
  // only lets them when the image has those bytes.
  data.resize(align_up(data.size(), kSegmentAlignment) + kSegmentAlignment, '\0');
  result.data_region_bytes = data.size();

  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const Node& n : g.nodes) {
    std::vector<int32_t> ins, outs;
    for (int v : n.inputs) ins.push_back(v >= 0 ? index.at(v) : -1);
    for (int v : n.outputs) outs.push_back(index.at(v));
    fb::OpOptions type = fb::OpOptions::NONE;
    const auto options = build_options(b, n.nb, &type);
    ops.push_back(fb::CreateOperatorDirect(b, n.nb.code, n.name.c_str(), &ins, &outs, type, options));
  }
  std::vector<int32_t> inputs, outputs;
  for (int v : g.inputs) inputs.push_back(index.at(v));
  for (int v : g.outputs) outputs.push_back(index.at(v));
  const auto plan = fb::CreateMemoryPlanDirect(b, result.arena_bytes, &offsets);
  std::vector<flatbuffers::Offset<fb::KeyValue>> entries;
  for (const auto& [k, val] : meta.entries) entries.push_back(fb::CreateKeyValueDirect(b, k.c_str(), val.c_str()));
  const auto metadata = fb::CreateMetadataDirect(b, kProducer, kProducerVersion, meta.source_file.c_str(),
                                                 meta.source_sha256.c_str(), meta.converter_options.c_str(), &entries);
  const auto tokenizer = build_tokenizer(b, meta.tokenizer);
  const auto model = fb::CreateModelDirect(b, kFormatVersion, &tensors, &segments, data.size(), &ops, &inputs,
                                           &outputs, plan, metadata, tokenizer);
  fb::FinishSizePrefixedModelBuffer(b, model);

  const uint64_t fb_bytes = b.GetSize();
  if (fb_bytes - kSizePrefixBytes > 0xffffffffull) throw Error("the model description exceeds 4 GiB");
  const uint64_t data_offset = data_region_offset(static_cast<uint32_t>(fb_bytes - kSizePrefixBytes));
  result.bytes.assign(reinterpret_cast<const char*>(b.GetBufferPointer()), fb_bytes);
  result.bytes.resize(data_offset, '\0');
  result.bytes += data;
  return result;
}

}  // namespace nibble::convert
