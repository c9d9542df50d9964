// The ResNet-20 fixture (PyTorch export with shape-computing sub-graphs in
// its shortcuts) converts to plain ops with every Relu fused.
#include <cstring>
#include <set>

#include "converter/convert.h"
#include "converter/util/sha256.h"
#include "gtest/gtest.h"
#include "loader/file_layout.h"
#include "onnx/onnx_pb.h"
#include "planner/memory_planner.h"
#include "tests/converter/test_util.h"

namespace nibble::test {
namespace {

const std::string kModel = std::string(NIBBLE_FIXTURES_DIR) + "/resnet20_cifar10.onnx";

class ResNet20 : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.command_line = "nibble-convert resnet20_cifar10.onnx -o r20.nbl";
    report_ = convert::convert_onnx_file(kModel, dir_.file("r20.nbl"), options_);
    bytes_ = read_bytes(dir_.file("r20.nbl"));
    model_ = verified_model(bytes_);
    ASSERT_NE(model_, nullptr);
  }

  const fb::Tensor* tensor(int32_t i) const { return model_->tensors()->Get(i); }
  std::vector<int64_t> shape(int32_t i) const {
    return {tensor(i)->shape()->begin(), tensor(i)->shape()->end()};
  }

  TempDir dir_;
  convert::ConvertOptions options_;
  convert::ConvertReport report_;
  std::string bytes_;
  const fb::Model* model_ = nullptr;
};

TEST_F(ResNet20, OpCounts) {
  using C = fb::OpCode;
  EXPECT_EQ(count_ops(model_, C::CONV2D), 19);
  EXPECT_EQ(count_ops(model_, C::BINARY), 9);
  EXPECT_EQ(count_ops(model_, C::CLAMP), 0);  // all 19 Relus fused
  EXPECT_EQ(count_ops(model_, C::PAD), 2);
  EXPECT_EQ(count_ops(model_, C::SLICE), 2);  // x[:, :, ::2, ::2] is one slice
  EXPECT_EQ(count_ops(model_, C::GLOBAL_AVERAGE_POOL), 1);
  EXPECT_EQ(count_ops(model_, C::RESHAPE), 1);  // NHWC [1,1,1,64] -> [1,64]
  EXPECT_EQ(count_ops(model_, C::LINEAR), 1);
  EXPECT_EQ(count_ops(model_, C::TRANSPOSE), 1);  // the input, NCHW -> NHWC
  EXPECT_EQ(model_->operators()->size(), 36u);
  EXPECT_EQ(report_.ops_out, 36);
  EXPECT_EQ(report_.fused_activations, 19);
  EXPECT_EQ(report_.onnx_nodes, 102);
  EXPECT_GT(report_.folded_nodes, 40);
  const std::set<C> allowed = {C::CONV2D, C::BINARY, C::CLAMP, C::PAD, C::SLICE, C::GLOBAL_AVERAGE_POOL,
                               C::RESHAPE, C::LINEAR, C::TRANSPOSE};
  for (const fb::Operator* op : *model_->operators()) {
    EXPECT_TRUE(allowed.count(op->opcode())) << fb::EnumNameOpCode(op->opcode());
    ASSERT_NE(op->name(), nullptr);
    EXPECT_FALSE(op->name()->str().empty());
  }
}

TEST_F(ResNet20, WeightBytesEqualTheOnnxFloatParameters) {
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(read_bytes(kModel)));
  uint64_t params = 0;
  for (const auto& init : proto.graph().initializer()) {
    if (init.data_type() != onnx::TensorProto::FLOAT) continue;
    uint64_t n = 1;
    for (int64_t d : init.dims()) n *= d;
    params += n;
  }
  EXPECT_EQ(params, 269034u);
  uint64_t segment_bytes = 0;
  for (const fb::Segment* s : *model_->segments()) segment_bytes += s->size();
  EXPECT_EQ(segment_bytes, 4 * params);
  EXPECT_EQ(report_.weight_bytes, 4 * params);
}

TEST_F(ResNet20, FileLayout) {
  uint32_t prefix = 0;
  std::memcpy(&prefix, bytes_.data(), 4);
  EXPECT_EQ(std::memcmp(bytes_.data() + 8, "NBL1", 4), 0);
  EXPECT_EQ(model_->format_version(), kFormatVersion);
  const uint64_t region = data_region_offset(prefix);
  EXPECT_EQ(region % 64, 0u);
  EXPECT_EQ(bytes_.size(), region + model_->data_size());
  EXPECT_EQ(model_->data_size() % 64, 0u);
  for (uint64_t k = 4 + prefix; k < region; ++k) ASSERT_EQ(bytes_[k], 0) << "padding byte " << k;
  uint64_t end = 0;
  for (const fb::Segment* s : *model_->segments()) {
    EXPECT_EQ(s->offset() % 64, 0u);
    EXPECT_GE(s->offset(), end);
    for (uint64_t k = end; k < s->offset(); ++k) ASSERT_EQ(bytes_[region + k], 0);
    end = s->offset() + s->size();
  }
  EXPECT_LE(end, model_->data_size());
  for (const fb::Tensor* t : *model_->tensors()) {
    EXPECT_EQ(t->type(), fb::ElementType::F32);
    if (t->segment() >= 0) {
      EXPECT_EQ(t->codec_type(), fb::Codec::RawCodec);
      int64_t n = 1;
      for (int64_t d : *t->shape()) n *= d;
      EXPECT_EQ(model_->segments()->Get(t->segment())->size(), static_cast<uint64_t>(4 * n));
    }
  }
}

TEST_F(ResNet20, InputsOutputsAndLayouts) {
  ASSERT_EQ(model_->inputs()->size(), 1u);
  ASSERT_EQ(model_->outputs()->size(), 1u);
  EXPECT_EQ(tensor(model_->inputs()->Get(0))->name()->str(), "input");
  EXPECT_EQ(shape(model_->inputs()->Get(0)), (std::vector<int64_t>{1, 3, 32, 32}));
  EXPECT_EQ(tensor(model_->outputs()->Get(0))->name()->str(), "logits");
  EXPECT_EQ(shape(model_->outputs()->Get(0)), (std::vector<int64_t>{1, 10}));
  const fb::Operator* first = model_->operators()->Get(0);
  ASSERT_EQ(first->opcode(), fb::OpCode::TRANSPOSE);
  EXPECT_EQ(shape(first->outputs()->Get(0)), (std::vector<int64_t>{1, 32, 32, 3}));
  const fb::Operator* conv = model_->operators()->Get(1);
  ASSERT_EQ(conv->opcode(), fb::OpCode::CONV2D);
  EXPECT_EQ(shape(conv->inputs()->Get(1)), (std::vector<int64_t>{16, 3, 3, 3}));  // OHWI
  const auto* o = conv->options_as_Conv2dOptions();
  EXPECT_EQ(o->kernel_h(), 3);
  EXPECT_EQ(o->pad_top(), 1);
  EXPECT_EQ(o->output_min(), 0.0f);  // fused Relu
  // The shortcut: slice by 2 on H and W, pad channels (axis 3 in NHWC).
  for (const fb::Operator* op : *model_->operators()) {
    if (op->opcode() == fb::OpCode::SLICE) {
      const auto* s = op->options_as_SliceOptions();
      EXPECT_EQ(std::vector<int64_t>(s->steps()->begin(), s->steps()->end()), (std::vector<int64_t>{1, 2, 2, 1}));
    }
    if (op->opcode() == fb::OpCode::PAD) {
      const auto* p = op->options_as_PadOptions();
      const std::vector<int64_t> pads(p->pads()->begin(), p->pads()->end());
      EXPECT_EQ(pads[6], pads[7]);
      EXPECT_GT(pads[6], 0);
      EXPECT_EQ(pads[0] + pads[1] + pads[2] + pads[3] + pads[4] + pads[5], 0);
    }
  }
}

TEST_F(ResNet20, ConvWeightsAreOhwi) {
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(read_bytes(kModel)));
  const onnx::TensorProto* w = nullptr;
  for (const auto& init : proto.graph().initializer()) {
    if (init.name() == "onnx::Conv_254") w = &init;
  }
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->raw_data().size(), 16u * 3 * 3 * 3 * 4);
  const float* oihw = reinterpret_cast<const float*>(w->raw_data().data());
  const fb::Tensor* t = tensor(model_->operators()->Get(1)->inputs()->Get(1));
  uint32_t prefix = 0;
  std::memcpy(&prefix, bytes_.data(), 4);
  const float* ohwi = reinterpret_cast<const float*>(bytes_.data() + data_region_offset(prefix) +
                                                     model_->segments()->Get(t->segment())->offset());
  for (int o = 0; o < 16; ++o)
    for (int i = 0; i < 3; ++i)
      for (int h = 0; h < 3; ++h)
        for (int x = 0; x < 3; ++x) ASSERT_EQ(ohwi[((o * 3 + h) * 3 + x) * 3 + i], oihw[((o * 3 + i) * 3 + h) * 3 + x]);
}

TEST_F(ResNet20, MetadataAndPlan) {
  const fb::Metadata* m = model_->metadata();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->producer()->str(), "nibble-convert");
  EXPECT_EQ(m->producer_version()->str(), "0.1.0");
  EXPECT_EQ(m->source_file()->str(), "resnet20_cifar10.onnx");
  EXPECT_EQ(m->source_sha256()->str(), convert::sha256_hex(read_bytes(kModel)));
  EXPECT_EQ(m->converter_options()->str(), options_.command_line);

  // Rebuild the lifetimes and let the core's checker judge the plan.
  const uint32_t n = model_->tensors()->size();
  const int32_t num_ops = static_cast<int32_t>(model_->operators()->size());
  std::vector<TensorLifetime> life(n, TensorLifetime{0, INT32_MAX, -1});
  for (int32_t i : *model_->inputs()) life[i].first_op = -1;
  for (int32_t k = 0; k < num_ops; ++k) {
    const fb::Operator* op = model_->operators()->Get(k);
    for (int32_t i : *op->outputs()) life[i].first_op = std::min(life[i].first_op, k);
    for (int32_t i : *op->inputs()) life[i].last_op = std::max(life[i].last_op, k);
  }
  for (int32_t i : *model_->outputs()) life[i].last_op = num_ops;
  for (uint32_t i = 0; i < n; ++i) {
    const fb::Tensor* t = tensor(i);
    if (t->segment() >= 0) continue;
    int64_t elems = 1;
    for (int64_t d : *t->shape()) elems *= d;
    life[i].size_bytes = 4 * elems;
    life[i].last_op = std::max(life[i].last_op, life[i].first_op);
  }
  const fb::MemoryPlan* plan = model_->plan();
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->offsets()->size(), n);
  std::vector<uint64_t> offsets(plan->offsets()->begin(), plan->offsets()->end());
  const Status s = check_memory_plan(life.data(), n, offsets.data(), plan->arena_bytes());
  EXPECT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(plan->arena_bytes(), report_.arena_bytes);
  // Two 32x32x16 float maps plus one more must be alive at once.
  EXPECT_GE(plan->arena_bytes(), 3u * 32 * 32 * 16 * 4);
  EXPECT_LE(plan->arena_bytes(), 4u * 32 * 32 * 16 * 4);
}

TEST(ResNet20Shapes, InputShapeOverride) {
  TempDir dir;
  convert::ConvertOptions options;
  options.input_shapes["input"] = {4, 3, 32, 32};
  const auto report = convert::convert_onnx_file(kModel, dir.file("r20b4.nbl"), options);
  ASSERT_EQ(report.inputs.size(), 1u);
  EXPECT_EQ(report.inputs[0], "input [4,3,32,32]");
  EXPECT_EQ(report.outputs[0], "logits [4,10]");
  const std::string bytes = read_bytes(dir.file("r20b4.nbl"));
  const fb::Model* m = verified_model(bytes);
  EXPECT_EQ(m->operators()->size(), 36u);
  const fb::Tensor* out = m->tensors()->Get(m->outputs()->Get(0));
  EXPECT_EQ(std::vector<int64_t>(out->shape()->begin(), out->shape()->end()), (std::vector<int64_t>{4, 10}));
}

}  // namespace
}  // namespace nibble::test
