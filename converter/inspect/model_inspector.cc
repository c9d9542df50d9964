#include "converter/inspect/model_inspector.h"

#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

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

template <typename T>
std::string list(const flatbuffers::Vector<T>* v) {
  std::ostringstream os;
  os << '[';
  if (v) {
    for (flatbuffers::uoffset_t k = 0; k < v->size(); ++k) os << (k ? "," : "") << +v->Get(k);
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
    default: break;
  }
  std::string s = os.str();
  if (!s.empty() && s[0] == ' ') s.erase(0, 1);
  return s;
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
    return str(x->name()) + list(x->shape());
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
    const std::string opts = options_string(*op);
    text << "  #" << k << " " << type << " '" << str(op->name()) << "' " << ins << " -> " << outs
         << (opts.empty() ? "" : "  " + opts) << "\n";
    json << (k ? "," : "") << "{\"type\":\"" << type << "\",\"name\":" << json_string(str(op->name()))
         << ",\"inputs\":" << list(op->inputs()) << ",\"outputs\":" << list(op->outputs())
         << ",\"options\":" << json_string(opts) << "}";
  }
  json << "]";
  text << "constants:\n";
  int constants = 0;
  for (uint32_t t = 0; t < num_tensors; ++t) {
    const fb::Tensor* x = tensors->Get(t);
    if (x->segment() < 0) continue;
    if (static_cast<uint32_t>(x->segment()) >= num_segments) {
      throw Error(path + ": malformed (tensor " + std::to_string(t) + " names segment " + std::to_string(x->segment()) + ")");
    }
    const fb::Segment* seg = segments->Get(x->segment());
    const char* codec = fb::EnumNameCodec(x->codec_type());
    text << "  " << str(x->name()) << " " << list(x->shape()) << " " << fb::EnumNameElementType(x->type()) << " "
         << (*codec ? codec : "UNKNOWN") << " " << seg->size() << " bytes @" << seg->offset() << "\n";
    ++constants;
  }
  json << ",\"op_counts\":{";
  bool first = true;
  for (const auto& [name, count] : r.op_counts) {
    json << (first ? "" : ",") << json_string(name) << ":" << count;
    first = false;
  }
  json << "},\"num_tensors\":" << num_tensors << ",\"num_constants\":" << constants
       << ",\"weight_bytes\":" << r.weight_bytes << ",\"data_size\":" << model->data_size()
       << ",\"arena_bytes\":" << r.arena_bytes << "}";
  text << "totals: file bytes " << size << ", weight bytes " << r.weight_bytes << ", data region bytes "
       << model->data_size() << ", arena bytes " << r.arena_bytes << "\n";
  r.text = text.str();
  r.json = json.str();
  return r;
}

}  // namespace nibble::convert
