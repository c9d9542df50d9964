#include "bad_model_cases.h"

#include <cstring>
#include <limits>

#include "codec/weight_layout.h"
#include "encoded_model_builder.h"
#include "test_model_builder.h"

namespace nibble::testing {
namespace {

// The builder's valid LINEAR+CLAMP model with one knob turned.
template <typename Change>
std::vector<uint8_t> with(Change change) {
  Knobs k;
  change(k);
  return build_model(k);
}

// A one-op model whose weight w[3,40] is stored under `spec`'s codec. The
// segment is sized as compute_segment_layout says for (format, bits, ...):
// all-zero codes, every scale 0.05 (then `edit` breaks what it wants).
struct Encoded {
  EncodedLinear spec;
  codec::SegmentLayout seg;
};

Encoded encoded(fb::Codec type, codec::Format format, int bits, bool symmetric = true) {
  Encoded e;
  e.spec.codec_type = type;
  e.spec.bits = bits;
  e.spec.symmetric = symmetric;
  codec::WeightLayout l;
  l.format = format;
  l.bits = bits;
  l.symmetric = symmetric;
  l.granularity = codec::Granularity::kChannel;
  l.scale_type = codec::ScaleType::kF32;
  l.rows = e.spec.n;
  l.cols = e.spec.k;
  const char* why = "";
  codec::compute_segment_layout(l, &e.seg, &why);
  e.spec.segment.assign(e.seg.total_bytes, 0);
  const float scale = 0.05f;
  for (uint64_t s = 0; s < e.seg.num_scales; ++s) {
    std::memcpy(e.spec.segment.data() + e.seg.scales_offset + 4 * s, &scale, 4);
  }
  if (!symmetric) {
    for (uint64_t s = 0; s < e.seg.num_scales; ++s) e.spec.segment[e.seg.zero_points_offset + s] = 1;
  }
  return e;
}

Encoded int8() { return encoded(fb::Codec::IntCodec, codec::Format::kInt, 8); }

std::vector<uint8_t> int8_with_scale(float bad) {
  Encoded e = int8();
  std::memcpy(e.spec.segment.data() + e.seg.scales_offset + 4, &bad, 4);  // scale 1
  return build_encoded_linear(e.spec);
}

std::vector<uint8_t> prefix(std::vector<uint8_t> bytes, size_t n) {
  bytes.resize(n);
  return bytes;
}

}  // namespace

std::vector<BadModel> bad_models() {
  const std::vector<uint8_t> valid = build_model();
  std::vector<BadModel> m;
  auto add = [&](const char* file, StatusCode code, const char* fragment, const char* description,
                 std::vector<uint8_t> bytes) { m.push_back({file, code, fragment, description, std::move(bytes)}); };
  using C = StatusCode;
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();

  // ---- envelope: size prefix, identifier, Verifier, version, data region
  add("truncated_header.nbl", C::kTruncated, "too short for a header", "file ends inside the 4-byte size prefix + root",
      prefix(valid, 6));
  add("truncated_metadata.nbl", C::kTruncated, "bytes of metadata", "file ends inside the FlatBuffer",
      prefix(valid, valid.size() / 3));
  add("truncated_data.nbl", C::kTruncated, "data region", "file ends inside the data region (last segment cut)",
      prefix(valid, valid.size() - 32));
  {
    std::vector<uint8_t> b = valid;
    std::memcpy(b.data() + 8, "GGUF", 4);
    add("wrong_identifier.nbl", C::kBadIdentifier, "not a nibble model", "file identifier is not NBL1", b);
  }
  {
    std::vector<uint8_t> b = valid;
    const uint32_t root = 0x7ffffff0u;  // the root table's offset, far past the end
    std::memcpy(b.data() + 4, &root, 4);
    add("flatbuffer_root_out_of_bounds.nbl", C::kMalformed, "FlatBuffers verification",
        "root table offset points outside the FlatBuffer (Verifier)", b);
  }
  add("wrong_version.nbl", C::kUnsupportedVersion, "format version 2", "format_version newer than the runtime",
      with([](Knobs& k) { k.format_version = 2; }));

  // ---- segments
  add("segment_offset_size_wraps.nbl", C::kOutOfRange, "segment 0", "segment offset + size wraps past 2^64",
      with([](Knobs& k) {
        k.override_segment0 = true;
        k.segment0_offset = std::numeric_limits<uint64_t>::max() - 63;
        k.segment0_size = 128;
      }));
  add("segment_outside_data.nbl", C::kOutOfRange, "segment 0", "segment lies past the end of the data region",
      with([](Knobs& k) {
        k.override_segment0 = true;
        k.segment0_offset = 1 << 20;
        k.segment0_size = 48;
      }));
  add("segment_misaligned.nbl", C::kMisaligned, "segment 0 offset 4", "segment offset not 64-byte aligned",
      with([](Knobs& k) {
        k.override_segment0 = true;
        k.segment0_offset = 4;
        k.segment0_size = 48;
      }));
  add("segments_overlap.nbl", C::kMalformed, "segment 1 overlaps", "two segments share bytes", with([](Knobs& k) {
        k.override_segment0 = true;
        k.segment0_offset = 64;
        k.segment0_size = 48;
      }));
  add("segment_size_not_shape.nbl", C::kMalformed, "'w': segment 0 holds 44 bytes",
      "raw constant's segment size differs from shape x 4 bytes", with([](Knobs& k) {
        k.override_segment0 = true;
        k.segment0_size = 44;
      }));
  add("segment_index_out_of_range.nbl", C::kOutOfRange, "'w': segment 9 out of range",
      "tensor refers to a segment that does not exist", with([](Knobs& k) { k.weight_segment = 9; }));

  // ---- tensor shapes
  add("element_count_overflow.nbl", C::kOverflow, "'x'", "dims 2^40 x 2^40: element count overflows",
      with([](Knobs& k) { k.x_shape = {int64_t{1} << 40, int64_t{1} << 40}; }));
  {
    std::vector<uint8_t> b = with([](Knobs& k) { k.x_shape = {int64_t{1} << 62, 2}; });
    b.resize(4096, 0);  // trailing bytes after the data region are allowed
    add("4k_file_2pow63_elements.nbl", C::kOverflow, "'x'", "a 4 KiB file declaring 2^63 elements", b);
  }
  add("negative_dimension.nbl", C::kOverflow, "'x'", "a negative dimension",
      with([](Knobs& k) { k.x_shape = {1, -4}; }));
  add("rank_above_limit.nbl", C::kOutOfRange, "rank 7", "rank 7 (limit 6)",
      with([](Knobs& k) { k.x_shape = {1, 1, 1, 1, 1, 1, 4}; }));
  add("shape_vector_misaligned.nbl", C::kMisaligned, "'x': shape vector is not 8-byte aligned",
      "int64 shape elements at 4 mod 8 (passes the Verifier)", with([](Knobs& k) { k.misalign_x_shape = true; }));
  add("sequence_axis_on_constant.nbl", C::kMalformed, "'w': only activations",
      "a constant tensor declares a sequence axis",
      with([](Knobs& k) { k.sequence = {false, true, false, false, false}; }));

  // ---- indices
  add("op_input_index_out_of_range.nbl", C::kOutOfRange, "'fc' inputs 1: tensor index 99",
      "op input names tensor 99 of 5", with([](Knobs& k) { k.linear_inputs = {0, 99, 2}; }));
  add("op_output_index_out_of_range.nbl", C::kOutOfRange, "'fc' outputs 0: tensor index -3",
      "op output names tensor -3", with([](Knobs& k) { k.linear_outputs = {-3}; }));
  add("graph_input_index_out_of_range.nbl", C::kOutOfRange, "graph input 0: tensor index 5",
      "graph input names tensor 5 of 5", with([](Knobs& k) { k.graph_inputs = {5}; }));
  add("graph_output_index_out_of_range.nbl", C::kOutOfRange, "graph output 0: tensor index -1",
      "graph output names tensor -1", with([](Knobs& k) { k.graph_outputs = {-1}; }));
  add("no_graph_inputs.nbl", C::kMalformed, "no graph inputs", "empty graph input list",
      with([](Knobs& k) { k.graph_inputs = {}; }));
  add("graph_output_is_constant.nbl", C::kMalformed, "'w' is a constant", "a graph output is a weight",
      with([](Knobs& k) { k.graph_outputs = {1}; }));

  // ---- operators
  add("unknown_op_code.nbl", C::kUnsupported, "op code 999", "op code outside the OpCode enum",
      with([](Knobs& k) { k.linear_opcode = 999; }));
  add("options_of_wrong_type.nbl", C::kMalformed, "options table missing or of the wrong type",
      "CLAMP op carrying LinearOptions", with([](Knobs& k) { k.linear_opcode = 3; }));
  add("op_arity_inputs.nbl", C::kMalformed, "'relu6' has 2 inputs", "CLAMP with 2 inputs (takes 1)",
      with([](Knobs& k) { k.clamp_inputs = {3, 3}; }));
  add("op_arity_no_outputs.nbl", C::kMalformed, "'fc' has 0 outputs", "LINEAR with no output",
      with([](Knobs& k) { k.linear_outputs = {}; }));
  add("weights_not_constant.nbl", C::kMalformed, "must be a constant", "LINEAR weights are an activation",
      with([](Knobs& k) { k.linear_inputs = {0, 0, 2}; }));
  add("nan_clamp.nbl", C::kMalformed, "'relu6': output clamp", "CLAMP bound is NaN",
      with([](Knobs& k) { k.clamp_min = kNan; }));

  // ---- graph
  add("graph_cycle.nbl", C::kMalformed, "'fc' reads tensor 'z' before any op writes it",
      "fc reads z, written by relu6 which reads fc's output", with([](Knobs& k) { k.linear_inputs = {4, 1, 2}; }));
  add("use_before_definition.nbl", C::kMalformed, "before any op writes it", "ops stored out of execution order",
      with([](Knobs& k) { k.swap_ops = true; }));
  add("tensor_written_twice.nbl", C::kMalformed, "which is already written", "two ops write the same tensor",
      with([](Knobs& k) {
        k.linear_outputs = {4};
        k.clamp_inputs = {0};
      }));
  add("memory_plan_overlap.nbl", C::kMalformed, "overlap", "plan puts two live activations on the same bytes",
      with([](Knobs& k) { k.overlap_plan = true; }));
  add("memory_plan_far_offset.nbl", C::kMalformed, "ends past all 5 tensors side by side",
      "plan puts a 64-byte activation at 1 TiB (the session would allocate that)",
      with([](Knobs& k) { k.far_plan = true; }));

  // ---- codecs
  {
    Encoded e = int8();
    e.spec.bits = 0;
    add("bit_width_0.nbl", C::kMalformed, "code width 0 bits", "IntCodec with 0-bit codes",
        build_encoded_linear(e.spec));
    e.spec.bits = 9;
    add("bit_width_above_max.nbl", C::kMalformed, "code width 9 bits", "IntCodec with 9-bit codes (max 8)",
        build_encoded_linear(e.spec));
  }
  {
    Encoded e = int8();
    e.spec.bits = 4;  // the segment still holds 8-bit codes
    add("packed_size_mismatch.nbl", C::kMalformed, "shape and codec need",
        "packed byte count differs from shape x bits + scales", build_encoded_linear(e.spec));
  }
  add("scale_nan.nbl", C::kMalformed, "'w': scale 1 is", "a NaN scale", int8_with_scale(kNan));
  add("scale_inf.nbl", C::kMalformed, "'w': scale 1 is inf", "an infinite scale", int8_with_scale(kInf));
  add("scale_zero.nbl", C::kMalformed, "'w': scale 1 is 0", "a zero scale", int8_with_scale(0.0f));
  add("scale_negative.nbl", C::kMalformed, "'w': scale 1 is -1", "a negative scale", int8_with_scale(-1.0f));
  {
    Encoded e = encoded(fb::Codec::IntCodec, codec::Format::kInt, 4, /*symmetric=*/false);
    e.spec.segment[e.seg.zero_points_offset + 2] = 16;
    add("zero_point_above_code_range.nbl", C::kMalformed, "zero point 2 is 16",
        "4-bit asymmetric codes with zero point 16", build_encoded_linear(e.spec));
  }
  {
    Encoded e = encoded(fb::Codec::BlockCodec, codec::Format::kQ4_0, 4);
    e.spec.block_format = fb::BlockFormat::Q4_0;
    const uint16_t nan16 = 0x7e00;
    std::memcpy(e.spec.segment.data() + codec::ggml_block_bytes(codec::Format::kQ4_0), &nan16, 2);  // block 1's d
    add("block_scale_nan.nbl", C::kMalformed, "block 1 has a non-finite scale", "q4_0 block with an fp16 NaN scale",
        build_encoded_linear(e.spec));
  }
  {
    Encoded e = encoded(fb::Codec::TableCodec, codec::Format::kTable, 4);
    e.spec.table_kind = fb::TableKind::LUT;
    e.spec.table.assign(8, 0.5f);
    add("codebook_size_mismatch.nbl", C::kMalformed, "code table has 8 entries",
        "4-bit LUT codebook with 8 entries (needs 16)", build_encoded_linear(e.spec));
    e.spec.table.assign(16, 0.5f);
    e.spec.table[3] = kNan;
    add("codebook_entry_nan.nbl", C::kMalformed, "code table entry 3 is not finite", "NaN codebook entry",
        build_encoded_linear(e.spec));
    e.spec.table.assign(16, 0.5f);
    e.spec.table_kind = static_cast<fb::TableKind>(9);
    add("unknown_table_kind.nbl", C::kMalformed, "unknown table kind 9", "TableKind enum value 9",
        build_encoded_linear(e.spec));
  }
  {
    Encoded e = int8();
    e.spec.granularity = static_cast<fb::Granularity>(7);
    add("unknown_granularity.nbl", C::kMalformed, "unknown scale granularity 7", "Granularity enum value 7",
        build_encoded_linear(e.spec));
    e = int8();
    e.spec.scale_type = static_cast<fb::ScaleType>(5);
    add("unknown_scale_type.nbl", C::kMalformed, "unknown scale type 5", "ScaleType enum value 5",
        build_encoded_linear(e.spec));
    e = int8();
    e.spec.codec_type = fb::Codec::BlockCodec;
    e.spec.block_format = static_cast<fb::BlockFormat>(42);
    add("unknown_block_format.nbl", C::kMalformed, "unknown block format 42", "BlockFormat enum value 42",
        build_encoded_linear(e.spec));
    e = int8();
    e.spec.omit_codec_table = true;
    add("codec_type_without_table.nbl", C::kMalformed, "'w': codec type 4 but no codec table",
        "union type IntCodec with the table absent (passes the Verifier)", build_encoded_linear(e.spec));
    e = int8();
    e.spec.codec_type = static_cast<fb::Codec>(9);
    add("unknown_codec.nbl", C::kUnsupported, "codec 9 is not supported", "Codec union type 9",
        build_encoded_linear(e.spec));
  }

  // ---- embedded tokenizer
  add("tokenizer_bad_merge.nbl", C::kMalformed, "tokenizer merge 0", "merge result is not the concatenation",
      with([](Knobs& k) {
        k.write_tokenizer = true;
        k.tokenizer = byte_level_tokenizer();
        k.tokenizer.merge_results = {257, 257};
      }));
  add("tokenizer_offsets_short.nbl", C::kOutOfRange, "token_offsets end", "token_offsets one entry short",
      with([](Knobs& k) {
        k.write_tokenizer = true;
        k.tokenizer = byte_level_tokenizer();
        k.tokenizer.token_offsets.pop_back();
      }));
  add("tokenizer_unknown_kind.nbl", C::kUnsupported, "tokenizer kind 7 is unknown", "TokenizerKind enum value 7",
      with([](Knobs& k) {
        k.write_tokenizer = true;
        k.tokenizer = byte_level_tokenizer();
        k.tokenizer.kind = 7;
      }));
  return m;
}

namespace {
struct CodeName {
  StatusCode code;
  const char* name;
};
constexpr CodeName kCodeNames[] = {
    {StatusCode::kOk, "kOk"},
    {StatusCode::kInvalidArgument, "kInvalidArgument"},
    {StatusCode::kIoError, "kIoError"},
    {StatusCode::kTruncated, "kTruncated"},
    {StatusCode::kBadIdentifier, "kBadIdentifier"},
    {StatusCode::kUnsupportedVersion, "kUnsupportedVersion"},
    {StatusCode::kMalformed, "kMalformed"},
    {StatusCode::kOutOfRange, "kOutOfRange"},
    {StatusCode::kMisaligned, "kMisaligned"},
    {StatusCode::kOverflow, "kOverflow"},
    {StatusCode::kUnsupported, "kUnsupported"},
    {StatusCode::kOutOfMemory, "kOutOfMemory"},
    {StatusCode::kBackendError, "kBackendError"},
    {StatusCode::kInternal, "kInternal"},
};
}  // namespace

const char* status_code_identifier(StatusCode code) {
  for (const CodeName& c : kCodeNames) {
    if (c.code == code) return c.name;
  }
  return "?";
}

bool parse_status_code_identifier(const std::string& name, StatusCode* code) {
  for (const CodeName& c : kCodeNames) {
    if (name == c.name) {
      *code = c.code;
      return true;
    }
  }
  return false;
}

std::string manifest_text(const std::vector<BadModel>& models) {
  std::string text =
      "# Generated by make_bad_models (tests/bad-models/bad_model_cases.cc); do not edit.\n"
      "# file\tstatus\tmessage fragment\tclass\n";
  for (const BadModel& b : models) {
    text += b.file + "\t" + status_code_identifier(b.code) + "\t" + b.fragment + "\t" + b.description + "\n";
  }
  return text;
}

}  // namespace nibble::testing
