#include "loader/codec_verifier.h"

#include <cstring>

#include "codec/code_tables.h"
#include "codec/half.h"
#include "codec/scale_storage.h"
#include "loader/model_impl.h"

namespace nibble {

namespace {

bool finite(float x) { return x - x == 0.0f; }  // false for inf and NaN

// Fills the layout from the codec table; false (with *why) on a bad enum.
Status layout_of(const fb::Tensor* t, uint32_t i, const char* name, codec::WeightLayout* l) {
  // verify_tensors() refused a codec type without its table (the
  // Verifier accepts one), so codec_as_X() is never null here.
  switch (t->codec_type()) {
    case fb::Codec::HalfCodec: {
      const auto f = t->codec_as_HalfCodec()->format();
      if (f != fb::HalfFormat::F16 && f != fb::HalfFormat::BF16) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': unknown half format %d", i, name, static_cast<int>(f));
      }
      l->format = f == fb::HalfFormat::F16 ? codec::Format::kF16 : codec::Format::kBF16;
      return Status::ok();
    }
    case fb::Codec::BlockCodec: {
      const auto f = t->codec_as_BlockCodec()->format();
      switch (f) {
        case fb::BlockFormat::Q8_0: l->format = codec::Format::kQ8_0; break;
        case fb::BlockFormat::Q4_0: l->format = codec::Format::kQ4_0; break;
        case fb::BlockFormat::Q4_1: l->format = codec::Format::kQ4_1; break;
        case fb::BlockFormat::Q5_0: l->format = codec::Format::kQ5_0; break;
        case fb::BlockFormat::Q5_1: l->format = codec::Format::kQ5_1; break;
        default:
          return NIBBLE_ERROR(kMalformed, "tensor %u '%s': unknown block format %d", i, name, static_cast<int>(f));
      }
      return Status::ok();
    }
    case fb::Codec::IntCodec:
    case fb::Codec::TableCodec: {
      const bool is_int = t->codec_type() == fb::Codec::IntCodec;
      const fb::IntCodec* ic = t->codec_as_IntCodec();
      const fb::TableCodec* tc = t->codec_as_TableCodec();
      const int bits = is_int ? ic->bits() : tc->bits();
      const auto granularity = is_int ? ic->granularity() : tc->granularity();
      const auto scale_type = is_int ? ic->scale_type() : tc->scale_type();
      const int max_bits = is_int ? codec::kMaxIntBits : codec::kMaxTableBits;
      if (bits < codec::kMinCodeBits || bits > max_bits) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': code width %d bits is out of range (%d..%d)", i, name, bits,
                            codec::kMinCodeBits, max_bits);
      }
      if (granularity != fb::Granularity::TENSOR && granularity != fb::Granularity::CHANNEL &&
          granularity != fb::Granularity::GROUP) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': unknown scale granularity %d", i, name,
                            static_cast<int>(granularity));
      }
      if (scale_type != fb::ScaleType::F32 && scale_type != fb::ScaleType::F16 && scale_type != fb::ScaleType::E8) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': unknown scale type %d", i, name, static_cast<int>(scale_type));
      }
      l->format = is_int ? codec::Format::kInt : codec::Format::kTable;
      l->bits = bits;
      l->symmetric = is_int ? ic->symmetric() : true;
      l->granularity = static_cast<codec::Granularity>(granularity);
      l->group_size = is_int ? ic->group_size() : tc->group_size();
      l->scale_type = static_cast<codec::ScaleType>(scale_type);
      if (l->granularity == codec::Granularity::kGroup && l->group_size == 0) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': group size 0", i, name);
      }
      return Status::ok();
    }
    default:
      return NIBBLE_ERROR(kUnsupported, "tensor %u '%s': codec %d is not supported by this runtime", i, name,
                          static_cast<int>(t->codec_type()));
  }
}

float read_scale(const uint8_t* p, codec::ScaleType type) {
  if (type == codec::ScaleType::kF16) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return codec::f16_to_f32(h);
  }
  float f;
  std::memcpy(&f, p, 4);
  return f;
}

// ggml blocks: the fp16 scale d (and min m) of every block finite. d may be
// 0 (an all-zero block).
Status check_block_scales(const codec::PackedWeights& w, uint32_t i, const char* name) {
  const uint64_t block_bytes = codec::ggml_block_bytes(w.layout.format);
  const uint64_t blocks = w.segment.codes_bytes / block_bytes;
  const bool has_min = w.layout.format == codec::Format::kQ4_1 || w.layout.format == codec::Format::kQ5_1;
  for (uint64_t b = 0; b < blocks; ++b) {
    const uint8_t* p = w.data + b * block_bytes;
    const float d = read_scale(p, codec::ScaleType::kF16);
    const float m = has_min ? read_scale(p + 2, codec::ScaleType::kF16) : 0.0f;
    if (!finite(d) || !finite(m)) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': block %llu has a non-finite scale or min", i, name,
                          static_cast<unsigned long long>(b));
    }
  }
  return Status::ok();
}

Status check_scales(const codec::PackedWeights& w, uint32_t i, const char* name) {
  const codec::SegmentLayout& s = w.segment;
  const uint64_t size = codec::scale_size(w.layout.scale_type);
  for (uint64_t k = 0; k < s.num_scales; ++k) {
    const float scale = codec::load_scale(w.data + s.scales_offset + k * size, w.layout.scale_type);
    if (!finite(scale) || !(scale > 0.0f)) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': scale %llu is %g (scales must be finite and positive)", i, name,
                          static_cast<unsigned long long>(k), static_cast<double>(scale));
    }
  }
  if (s.zero_points_bytes > 0) {
    const uint32_t max_code = (1u << w.layout.bits) - 1;
    for (uint64_t k = 0; k < s.num_scales; ++k) {
      if (w.data[s.zero_points_offset + k] > max_code) {
        return NIBBLE_ERROR(kMalformed, "tensor %u '%s': zero point %llu is %u, above the largest %d-bit code", i, name,
                            static_cast<unsigned long long>(k), w.data[s.zero_points_offset + k], w.layout.bits);
      }
    }
  }
  return Status::ok();
}

Status check_table(const fb::TableCodec* tc, uint32_t i, const char* name, int bits, float* storage,
                   const float** out) {
  if (static_cast<int>(tc->kind()) < 0 || tc->kind() > fb::TableKind::LUT) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': unknown table kind %d", i, name, static_cast<int>(tc->kind()));
  }
  const auto kind = static_cast<codec::TableKind>(tc->kind());
  if (!codec::valid_table_params(kind, bits, tc->parameter())) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': a %s table cannot have %d-bit codes (or its parameter %g is invalid)",
                        i, name, fb::EnumNameTableKind(tc->kind()), bits, static_cast<double>(tc->parameter()));
  }
  if (tc->table() == nullptr && kind != codec::TableKind::kLut && storage != nullptr) {
    // Built from the definition, exactly as the converter built it.
    bool built = false;
    switch (kind) {
      case codec::TableKind::kPqnt: built = codec::build_pqnt_table(bits, tc->parameter(), storage); break;
      case codec::TableKind::kLsq: built = codec::build_lsq_table(bits, storage); break;
      case codec::TableKind::kLog2: built = codec::build_log2_table(bits, tc->parameter(), storage); break;
      case codec::TableKind::kLut: break;
    }
    if (!built) return NIBBLE_ERROR(kMalformed, "tensor %u '%s': cannot build its code table", i, name);
    *out = storage;
    return Status::ok();
  }
  const auto* table = tc->table();
  const uint32_t expected = 1u << bits;
  const uint32_t size = table == nullptr ? 0 : table->size();
  if (size != expected) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': code table has %u entries, %d-bit codes need %u", i, name, size,
                        bits, expected);
  }
  for (uint32_t k = 0; k < size; ++k) {
    if (!finite(table->Get(k))) {
      return NIBBLE_ERROR(kMalformed, "tensor %u '%s': code table entry %u is not finite", i, name, k);
    }
  }
  *out = table->data();
  return Status::ok();
}

}  // namespace

uint32_t derived_table_floats(const fb::Tensor* tensor) {
  if (tensor->codec_type() != fb::Codec::TableCodec) return 0;
  const fb::TableCodec* tc = tensor->codec_as_TableCodec();
  if (tc == nullptr) return 0;  // a type without its table: the loader refuses it (model_verifier.cc)
  if (tc->table() != nullptr || tc->kind() == fb::TableKind::LUT) return 0;
  const int bits = tc->bits();
  return bits >= 1 && bits <= codec::kMaxTableBits ? 1u << bits : 0u;
}

bool is_encoded(const fb::Tensor* tensor) {
  return tensor->codec_type() != fb::Codec::NONE && tensor->codec_type() != fb::Codec::RawCodec;
}

Status verify_encoded_tensor(const fb::Tensor* t, uint32_t i, const TensorDesc& d, const uint8_t* segment,
                             uint64_t segment_size, float* table_storage, codec::PackedWeights* out) {
  if (d.rank < 1 || d.numel == 0) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': an encoded tensor needs rank >= 1 and elements", i, d.name);
  }
  codec::PackedWeights w;
  w.layout.rows = d.dims[0];
  w.layout.cols = static_cast<int64_t>(d.numel / static_cast<uint64_t>(d.dims[0]));
  NIBBLE_RETURN_IF_ERROR(layout_of(t, i, d.name, &w.layout));
  const char* why = "";
  if (!codec::compute_segment_layout(w.layout, &w.segment, &why)) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': invalid codec: %s", i, d.name, why);
  }
  if (segment_size != w.segment.total_bytes) {
    return NIBBLE_ERROR(kMalformed, "tensor %u '%s': segment holds %llu bytes, shape and codec need %llu", i, d.name,
                        static_cast<unsigned long long>(segment_size),
                        static_cast<unsigned long long>(w.segment.total_bytes));
  }
  w.data = segment;
  if (t->codec_type() == fb::Codec::TableCodec) {
    NIBBLE_RETURN_IF_ERROR(check_table(t->codec_as_TableCodec(), i, d.name, w.layout.bits, table_storage, &w.table));
  }
  if (codec::is_ggml_block(w.layout.format)) {
    NIBBLE_RETURN_IF_ERROR(check_block_scales(w, i, d.name));
  } else {
    NIBBLE_RETURN_IF_ERROR(check_scales(w, i, d.name));
  }
  *out = w;
  return Status::ok();
}

}  // namespace nibble
