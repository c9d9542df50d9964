#include "converter/inspect/model_inspector.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include "codec/weight_layout.h"
#include "converter/convert.h"
#include "converter/util/file_util.h"
#include "loader/file_layout.h"
#include "schema/nibble_generated.h"

namespace nibble::convert {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string str(const flatbuffers::String* s) { return s ? s->str() : ""; }

// Element k of a verified vector, by memcpy: the FlatBuffers Verifier
// aligns only a vector's length word, so a hostile file's [long] may sit
// at 4 mod 8 (a misaligned load through Get(); found by fuzzing the
// loader, which rejects such files, while inspect describes them first).
template <typename T>
T element(const flatbuffers::Vector<T>* v, flatbuffers::uoffset_t k) {
  T value;
  std::memcpy(&value, v->Data() + k * sizeof(T), sizeof(T));
  return flatbuffers::EndianScalar(value);
}

template <typename T>
std::string list(const flatbuffers::Vector<T>* v) {
  std::ostringstream os;
  os << '[';
  if (v) {
    for (flatbuffers::uoffset_t k = 0; k < v->size(); ++k) os << (k ? "," : "") << +element(v, k);
  }
  os << ']';
  return os.str();
}

std::string range(float lo, float hi) {
  if (lo == -std::numeric_limits<float>::infinity() && hi == std::numeric_limits<float>::infinity()) return "";
  std::ostringstream os;
  os << " act=[" << lo << "," << hi << "]";
  return os.str();
}

std::string options_string(const fb::Operator& op) {
  std::ostringstream os;
  switch (op.options_type()) {
    case fb::OpOptions::Conv2dOptions: {
      const auto* o = op.options_as_Conv2dOptions();
      os << "kernel=" << o->kernel_h() << "x" << o->kernel_w() << " stride=" << o->stride_h() << "x" << o->stride_w()
         << " dilation=" << o->dilation_h() << "x" << o->dilation_w() << " pad=" << o->pad_top() << ","
         << o->pad_left() << "," << o->pad_bottom() << "," << o->pad_right() << " groups=" << o->groups()
         << range(o->output_min(), o->output_max());
      break;
    }
    case fb::OpOptions::Pool2dOptions: {
      const auto* o = op.options_as_Pool2dOptions();
      os << "kernel=" << o->kernel_h() << "x" << o->kernel_w() << " stride=" << o->stride_h() << "x" << o->stride_w()
         << " dilation=" << o->dilation_h() << "x" << o->dilation_w() << " pad=" << o->pad_top() << ","
         << o->pad_left() << "," << o->pad_bottom() << "," << o->pad_right()
         << " count_include_pad=" << o->count_include_pad() << range(o->output_min(), o->output_max());
      break;
    }
    case fb::OpOptions::LinearOptions:
      os << range(op.options_as_LinearOptions()->output_min(), op.options_as_LinearOptions()->output_max());
      break;
    case fb::OpOptions::BinaryOptions: {
      const auto* o = op.options_as_BinaryOptions();
      os << "kind=" << fb::EnumNameBinaryKind(o->kind()) << range(o->output_min(), o->output_max());
      break;
    }
    case fb::OpOptions::ClampOptions:
      os << "min=" << op.options_as_ClampOptions()->min() << " max=" << op.options_as_ClampOptions()->max();
      break;
    case fb::OpOptions::GlobalPoolOptions:
      os << range(op.options_as_GlobalPoolOptions()->output_min(), op.options_as_GlobalPoolOptions()->output_max());
      break;
    case fb::OpOptions::PadOptions: {
      const auto* o = op.options_as_PadOptions();
      os << "mode=" << fb::EnumNamePadMode(o->mode()) << " pads=" << list(o->pads()) << " value=" << o->value();
      break;
    }
    case fb::OpOptions::SliceOptions:
      os << "starts=" << list(op.options_as_SliceOptions()->starts())
         << " steps=" << list(op.options_as_SliceOptions()->steps());
      break;
    case fb::OpOptions::ConcatOptions: os << "axis=" << op.options_as_ConcatOptions()->axis(); break;
    case fb::OpOptions::SoftmaxOptions: os << "axis=" << op.options_as_SoftmaxOptions()->axis(); break;
    case fb::OpOptions::TransposeOptions: os << "perm=" << list(op.options_as_TransposeOptions()->perm()); break;
    case fb::OpOptions::EmbeddingOptions:
      os << (op.options_as_EmbeddingOptions()->positional() ? "positional" : "by id");
      break;
    case fb::OpOptions::LayerNormOptions: os << "epsilon=" << op.options_as_LayerNormOptions()->epsilon(); break;
    case fb::OpOptions::GeluOptions: {
      const char* name = fb::EnumNameGeluApproximation(op.options_as_GeluOptions()->approximation());
      os << "approximation=" << (*name ? name : "UNKNOWN");
      break;
    }
    case fb::OpOptions::AttentionOptions:
      os << "heads=" << op.options_as_AttentionOptions()->num_heads()
         << " max_positions=" << op.options_as_AttentionOptions()->max_positions() << " causal";
      break;
    default: break;
  }
  std::string s = os.str();
  if (!s.empty() && s[0] == ' ') s.erase(0, 1);
  return s;
}

const char* granularity_name(fb::Granularity g, uint32_t group) {
  static thread_local char buf[32];
  switch (g) {
    case fb::Granularity::TENSOR: return "per-tensor";
    case fb::Granularity::CHANNEL: return "per-channel";
    case fb::Granularity::GROUP: std::snprintf(buf, sizeof buf, "group=%u", group); return buf;
  }
  return "?";
}

const char* scale_name(fb::ScaleType t) {
  switch (t) {
    case fb::ScaleType::F32: return " f32 scales";
    case fb::ScaleType::F16: return " f16 scales";
    case fb::ScaleType::E8: return " e8 scales";
  }
  return " unknown scales";
}

// "lut 4-bit group=32 f16 scales" and the like.
std::string codec_description(const fb::Tensor& t) {
  std::ostringstream os;
  switch (t.codec_type()) {
    case fb::Codec::NONE:
    case fb::Codec::RawCodec: return "f32";
    case fb::Codec::HalfCodec: return t.codec_as_HalfCodec()->format() == fb::HalfFormat::F16 ? "f16" : "bf16";
    case fb::Codec::BlockCodec: {
      std::string name = fb::EnumNameBlockFormat(t.codec_as_BlockCodec()->format());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return name.empty() ? "block(?)" : name;
    }
    case fb::Codec::IntCodec: {
      const auto* c = t.codec_as_IntCodec();
      os << (c->symmetric() ? "int" : "affine") << " " << +c->bits() << "-bit "
         << granularity_name(c->granularity(), c->group_size()) << scale_name(c->scale_type());
      return os.str();
    }
    case fb::Codec::TableCodec: {
      const auto* c = t.codec_as_TableCodec();
      std::string kind = fb::EnumNameTableKind(c->kind());
      for (char& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      os << kind << " " << +c->bits() << "-bit " << granularity_name(c->granularity(), c->group_size())
         << scale_name(c->scale_type());
      if (c->kind() == fb::TableKind::PQNT) os << " p=" << c->parameter();
      if (c->kind() == fb::TableKind::LOG2) os << " r=" << c->parameter();
      return os.str();
    }
  }
  return "unknown";
}

// Bits per weight: the stored bytes (codes, scales, zero points, table)
// over the element count, without the 64-byte alignment padding.
double bits_per_weight(const fb::Tensor& t, uint64_t segment_bytes) {
  uint64_t numel = 1;
  if (t.shape()) {
    for (flatbuffers::uoffset_t k = 0; k < t.shape()->size(); ++k) {
      const int64_t d = element(t.shape(), k);
      numel *= d > 0 ? static_cast<uint64_t>(d) : 0;
    }
  }
  if (numel == 0) return 0;
  uint64_t bytes = segment_bytes;
  if (t.codec_type() == fb::Codec::TableCodec || t.codec_type() == fb::Codec::IntCodec) {
    const bool is_int = t.codec_type() == fb::Codec::IntCodec;
    codec::WeightLayout l;
    l.format = is_int ? codec::Format::kInt : codec::Format::kTable;
    l.bits = is_int ? t.codec_as_IntCodec()->bits() : t.codec_as_TableCodec()->bits();
    l.symmetric = is_int ? t.codec_as_IntCodec()->symmetric() : true;
    l.granularity = static_cast<codec::Granularity>(is_int ? t.codec_as_IntCodec()->granularity()
                                                           : t.codec_as_TableCodec()->granularity());
    l.group_size = is_int ? t.codec_as_IntCodec()->group_size() : t.codec_as_TableCodec()->group_size();
    l.scale_type = static_cast<codec::ScaleType>(is_int ? t.codec_as_IntCodec()->scale_type()
                                                        : t.codec_as_TableCodec()->scale_type());
    l.rows = t.shape() && t.shape()->size() > 0 ? element(t.shape(), 0) : 1;
    l.cols = l.rows > 0 ? static_cast<int64_t>(numel / static_cast<uint64_t>(l.rows)) : 0;
    codec::SegmentLayout seg;
    const uint64_t table_bytes =
        !is_int && t.codec_as_TableCodec()->table() ? t.codec_as_TableCodec()->table()->size() * 4 : 0;
    if (codec::compute_segment_layout(l, &seg, nullptr)) return codec::bits_per_weight(l, seg, table_bytes);
  }
  return 8.0 * static_cast<double>(bytes) / static_cast<double>(numel);
}

}  // namespace

Inspection inspect_model_file(const std::string& path) {
  const std::string bytes = read_file(path);
  const uint64_t size = bytes.size();
  if (size < kSizePrefixBytes + 8) throw Error(path + ": not a nibble model (" + std::to_string(size) + " bytes)");
  uint32_t prefix = 0;
  std::memcpy(&prefix, bytes.data(), 4);
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), fb::ModelIdentifier(), /*size_prefixed=*/true)) {
    throw Error(path + ": not a nibble model (no " + fb::ModelIdentifier() + " identifier)");
  }
  if (prefix > size - kSizePrefixBytes) {
    throw Error(path + ": truncated (the size prefix says " + std::to_string(prefix) + " bytes, the file has " +
                std::to_string(size - kSizePrefixBytes) + ")");
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), kSizePrefixBytes + prefix);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) throw Error(path + ": malformed (FlatBuffers verification failed)");
  const fb::Model* model = fb::GetSizePrefixedModel(bytes.data());
  const uint64_t data_offset = data_region_offset(prefix);
  if (data_offset > size || model->data_size() > size - data_offset) {
    throw Error(path + ": truncated (the data region needs " + std::to_string(model->data_size()) + " bytes at offset " +
                std::to_string(data_offset) + ", the file has " + std::to_string(size) + ")");
  }
  const auto* tensors = model->tensors();
  const auto* segments = model->segments();
  const uint32_t num_tensors = tensors ? tensors->size() : 0;
  const uint32_t num_segments = segments ? segments->size() : 0;
  Inspection r;
  r.file_bytes = size;
  for (uint32_t s = 0; s < num_segments; ++s) {
    const fb::Segment* seg = segments->Get(s);
    if (seg->offset() > model->data_size() || seg->size() > model->data_size() - seg->offset()) {
      throw Error(path + ": malformed (segment " + std::to_string(s) + " lies outside the data region)");
    }
    r.weight_bytes += seg->size();
  }
  auto tensor_label = [&](int32_t t) -> std::string {
    if (t < 0) return "-";
    if (static_cast<uint32_t>(t) >= num_tensors) throw Error(path + ": malformed (tensor index " + std::to_string(t) + " out of range)");
    const fb::Tensor* x = tensors->Get(t);
    std::string shape = list(x->shape());
    // A sequence tensor's first dim is a maximum: a run uses n <= it rows.
    if (x->sequence() && shape.size() > 1) shape.insert(1, "<=");
    if (x->type() != fb::ElementType::F32) shape += std::string(" ") + fb::EnumNameElementType(x->type());
    return str(x->name()) + shape;
  };
  r.arena_bytes = model->plan() ? model->plan()->arena_bytes() : 0;
  const fb::Metadata* meta = model->metadata();

  std::ostringstream text, json;
  text << "file: " << path << " (" << size << " bytes), format_version " << model->format_version() << "\n";
  json << "{\"file\":" << json_string(path) << ",\"file_bytes\":" << size
       << ",\"format_version\":" << model->format_version();
  if (meta) {
    text << "producer: " << str(meta->producer()) << " " << str(meta->producer_version()) << "\n"
         << "source: " << str(meta->source_file()) << " sha256 " << str(meta->source_sha256()) << "\n"
         << "converter options: " << str(meta->converter_options()) << "\n";
    json << ",\"metadata\":{\"producer\":" << json_string(str(meta->producer()))
         << ",\"producer_version\":" << json_string(str(meta->producer_version()))
         << ",\"source_file\":" << json_string(str(meta->source_file()))
         << ",\"source_sha256\":" << json_string(str(meta->source_sha256()))
         << ",\"converter_options\":" << json_string(str(meta->converter_options()));
    if (meta->entries()) {
      for (const fb::KeyValue* kv : *meta->entries()) {
        text << "  " << str(kv->key()) << ": " << str(kv->value()) << "\n";
        json << "," << json_string(str(kv->key())) << ":" << json_string(str(kv->value()));
      }
    }
    json << "}";
  }
  for (const char* which : {"inputs", "outputs"}) {
    const auto* ids = std::strcmp(which, "inputs") == 0 ? model->inputs() : model->outputs();
    json << ",\"" << which << "\":[";
    text << which << ":";
    for (uint32_t k = 0; ids && k < ids->size(); ++k) {
      const std::string label = tensor_label(ids->Get(k));
      const fb::Tensor* t = tensors->Get(ids->Get(k));
      text << " " << label;
      json << (k ? "," : "") << "{\"name\":" << json_string(str(t->name())) << ",\"shape\":" << list(t->shape()) << "}";
    }
    text << "\n";
    json << "]";
  }
  if (const fb::Tokenizer* tok = model->tokenizer()) {
    const uint32_t tokens = tok->token_offsets() && tok->token_offsets()->size() > 0 ? tok->token_offsets()->size() - 1 : 0;
    const uint32_t merges = tok->merge_results() ? tok->merge_results()->size() : 0;
    const char* kind = fb::EnumNameTokenizerKind(tok->kind());
    text << "tokenizer: " << (*kind ? kind : "UNKNOWN") << ", " << tokens << " tokens, " << merges << " merges, bos "
         << tok->bos_token() << ", eos " << tok->eos_token() << "\n";
    json << ",\"tokenizer\":{\"kind\":" << json_string(*kind ? kind : "UNKNOWN") << ",\"tokens\":" << tokens
         << ",\"merges\":" << merges << ",\"bos_token\":" << tok->bos_token() << ",\"eos_token\":" << tok->eos_token()
         << "}";
  }
  const auto* ops = model->operators();
  r.num_operators = ops ? static_cast<int>(ops->size()) : 0;
  text << "operators (" << r.num_operators << "):\n";
  json << ",\"operators\":[";
  for (int k = 0; k < r.num_operators; ++k) {
    const fb::Operator* op = ops->Get(k);
    const char* type = fb::EnumNameOpCode(op->opcode());
    if (!*type) type = "UNKNOWN";
    ++r.op_counts[type];
    std::string ins, outs;
    for (uint32_t j = 0; op->inputs() && j < op->inputs()->size(); ++j) ins += (j ? ", " : "") + tensor_label(op->inputs()->Get(j));
    for (uint32_t j = 0; op->outputs() && j < op->outputs()->size(); ++j) outs += (j ? ", " : "") + tensor_label(op->outputs()->Get(j));
    std::string opts = options_string(*op);
    // Each layer's weight codec, so a mixed per-layer policy is visible.
    std::string weight_codec;
    double weight_bpw = 0;
    if ((op->opcode() == fb::OpCode::CONV2D || op->opcode() == fb::OpCode::LINEAR ||
         op->opcode() == fb::OpCode::EMBEDDING) && op->inputs() &&
        op->inputs()->size() > 1) {
      const int32_t w = op->inputs()->Get(1);
      const fb::Tensor* wt = w >= 0 && static_cast<uint32_t>(w) < num_tensors ? tensors->Get(w) : nullptr;
      if (wt != nullptr && wt->segment() >= 0 && static_cast<uint32_t>(wt->segment()) < num_segments) {
        weight_codec = codec_description(*wt);
        weight_bpw = bits_per_weight(*wt, segments->Get(wt->segment())->size());
        char buf[48];
        std::snprintf(buf, sizeof buf, " (%.3f bits/weight)", weight_bpw);
        opts += (opts.empty() ? "" : " ") + std::string("weights=") + weight_codec + buf;
      }
    }
    text << "  #" << k << " " << type << " '" << str(op->name()) << "' " << ins << " -> " << outs
         << (opts.empty() ? "" : "  " + opts) << "\n";
    json << (k ? "," : "") << "{\"type\":\"" << type << "\",\"name\":" << json_string(str(op->name()))
         << ",\"inputs\":" << list(op->inputs()) << ",\"outputs\":" << list(op->outputs())
         << ",\"options\":" << json_string(opts);
    if (!weight_codec.empty()) {
      json << ",\"weight_codec\":" << json_string(weight_codec) << ",\"weight_bits_per_weight\":" << weight_bpw;
    }
    json << "}";
  }
  json << "]";
  text << "constants:\n";
  int constants = 0;
  std::ostringstream constants_json;
  for (uint32_t t = 0; t < num_tensors; ++t) {
    const fb::Tensor* x = tensors->Get(t);
    if (x->segment() < 0) continue;
    if (static_cast<uint32_t>(x->segment()) >= num_segments) {
      throw Error(path + ": malformed (tensor " + std::to_string(t) + " names segment " + std::to_string(x->segment()) + ")");
    }
    const fb::Segment* seg = segments->Get(x->segment());
    char bpw[32];
    std::snprintf(bpw, sizeof bpw, "%.3f", bits_per_weight(*x, seg->size()));
    const std::string codec = codec_description(*x);
    text << "  " << str(x->name()) << " " << list(x->shape()) << " " << codec << ", " << bpw << " bits/weight, "
         << seg->size() << " bytes @" << seg->offset() << "\n";
    constants_json << (constants ? "," : "") << "{\"name\":" << json_string(str(x->name()))
                   << ",\"shape\":" << list(x->shape()) << ",\"codec\":" << json_string(codec)
                   << ",\"bits_per_weight\":" << bpw << ",\"bytes\":" << seg->size() << "}";
    ++constants;
  }
  json << ",\"op_counts\":{";
  bool first = true;
  for (const auto& [name, count] : r.op_counts) {
    json << (first ? "" : ",") << json_string(name) << ":" << count;
    first = false;
  }
  json << "},\"constants\":[" << constants_json.str() << "]";
  json << ",\"num_tensors\":" << num_tensors << ",\"num_constants\":" << constants
       << ",\"weight_bytes\":" << r.weight_bytes << ",\"data_size\":" << model->data_size()
       << ",\"arena_bytes\":" << r.arena_bytes << "}";
  text << "totals: file bytes " << size << ", weight bytes " << r.weight_bytes << ", data region bytes "
       << model->data_size() << ", arena bytes " << r.arena_bytes << "\n";
  r.text = text.str();
  r.json = json.str();
  return r;
}

}  // namespace nibble::convert
