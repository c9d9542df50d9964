#include "encoded_model_builder.h"

#include "loader/file_layout.h"

namespace nibble::testing {

std::vector<uint8_t> build_encoded_linear(const EncodedLinear& s) {
  namespace f = nibble::fb;
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> data = s.segment;
  data.resize((data.size() + 63) / 64 * 64 + 64, 0);  // the tail nibble-convert leaves
  std::vector<flatbuffers::Offset<f::Segment>> segments = {f::CreateSegment(b, 0, s.segment.size())};

  flatbuffers::Offset<void> codec;
  switch (s.codec_type) {
    case f::Codec::HalfCodec: codec = f::CreateHalfCodec(b, s.half_format).Union(); break;
    case f::Codec::BlockCodec: codec = f::CreateBlockCodec(b, s.block_format).Union(); break;
    case f::Codec::IntCodec:
      codec = f::CreateIntCodec(b, static_cast<uint8_t>(s.bits), s.symmetric, s.granularity, s.group_size,
                                s.scale_type)
                  .Union();
      break;
    case f::Codec::TableCodec:
      codec = f::CreateTableCodecDirect(b, s.table_kind, static_cast<uint8_t>(s.bits), s.granularity, s.group_size,
                                        s.scale_type, s.has_table ? &s.table : nullptr, s.parameter)
                  .Union();
      break;
    default: codec = f::CreateRawCodec(b).Union(); break;
  }
  if (s.omit_codec_table) codec = 0;
  std::vector<int64_t> x_shape = {s.m, s.k}, w_shape = {s.n, s.k}, y_shape = {s.m, s.n};
  std::vector<flatbuffers::Offset<f::Tensor>> tensors = {
      f::CreateTensorDirect(b, "x", &x_shape, f::ElementType::F32),
      f::CreateTensorDirect(b, "w", &w_shape, f::ElementType::F32, s.codec_type, codec, 0),
      f::CreateTensorDirect(b, "y", &y_shape, f::ElementType::F32)};
  std::vector<int32_t> op_inputs = {0, 1}, op_outputs = {2}, inputs = {0}, outputs = {2};
  std::vector<flatbuffers::Offset<f::Operator>> ops = {f::CreateOperatorDirect(
      b, f::OpCode::LINEAR, "fc", &op_inputs, &op_outputs, f::OpOptions::LinearOptions, f::CreateLinearOptions(b, s.output_min, s.output_max).Union())};
  auto metadata = f::CreateMetadataDirect(b, "test", "0", "built-in", "", "");
  auto model = f::CreateModelDirect(b, kFormatVersion, &tensors, &segments, data.size(), &ops, &inputs, &outputs, 0,
                                    metadata);
  b.FinishSizePrefixed(model, f::ModelIdentifier());
  std::vector<uint8_t> file(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  file.resize(data_region_offset(static_cast<uint32_t>(b.GetSize() - kSizePrefixBytes)), 0);
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

}  // namespace nibble::testing
