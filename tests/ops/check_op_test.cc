// check_op rejections common to every op: counts, ranks, null data,
// element-count overflow, unknown op codes, and the op name in messages.
#include "op_test_util.h"

namespace nibble::test {
namespace {

BoundOp clamp_op(Buf& x, Buf& out, const char* name = "clip_9") {
  BoundOp op = make_op(OpCode::kClamp, {&x}, &out, name);
  op.params.clamp.activation = no_activation();
  return op;
}

TEST(RefCheckOp, MessageNamesTheOpAndKind) {
  Buf x = iota({2, 3});
  Buf out = tensor({3, 2});
  BoundOp op = clamp_op(x, out, "my_special_clamp");
  Status s = ref::check_op(op);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(std::string(s.message()).find("my_special_clamp"), std::string::npos) << s.message();
  EXPECT_NE(std::string(s.message()).find("Clamp"), std::string::npos) << s.message();
  EXPECT_NE(std::string(s.message()).find("[3,2]"), std::string::npos) << s.message();
  EXPECT_NE(std::string(s.message()).find("[2,3]"), std::string::npos) << s.message();
}

TEST(RefCheckOp, ElementCountOverflow) {
  Buf x = tensor({1});
  Buf out = tensor({1});
  BoundOp op = clamp_op(x, out);
  op.inputs[0].rank = 2;
  op.inputs[0].dims[0] = int64_t{1} << 40;
  op.inputs[0].dims[1] = int64_t{1} << 40;
  op.outputs[0] = op.inputs[0];
  op.outputs[0].data = out.data.data();
  NIBBLE_EXPECT_REJECTED(op, kOverflow);

  // Fits in uint64 but not as bytes in int64: 2^62 elements.
  op.inputs[0].dims[0] = int64_t{1} << 31;
  op.inputs[0].dims[1] = int64_t{1} << 31;
  NIBBLE_EXPECT_REJECTED(op, kOverflow);
}

TEST(RefCheckOp, OverflowingConvInput) {
  Buf x = tensor({1});
  Buf w = tensor({1, 1, 1, 1});
  Buf out = tensor({1});
  BoundOp op = make_op(OpCode::kConv2d, {&x, &w}, &out, "conv_big");
  op.inputs[0].rank = 4;
  const int64_t big[4] = {int64_t{1} << 40, int64_t{1} << 40, 1, 1};
  for (int i = 0; i < 4; ++i) op.inputs[0].dims[i] = big[i];
  op.outputs[0] = op.inputs[0];
  op.outputs[0].data = out.data.data();
  op.params.conv2d.window = window(1, 1);
  op.params.conv2d.groups = 1;
  op.params.conv2d.activation = no_activation();
  NIBBLE_EXPECT_REJECTED(op, kOverflow);
}

TEST(RefCheckOp, CountsRanksAndData) {
  Buf x = iota({2, 3});
  Buf out = tensor({2, 3});
  {
    BoundOp op = clamp_op(x, out);
    EXPECT_TRUE(ref::check_op(op).is_ok());
  }
  {
    BoundOp op = clamp_op(x, out);
    op.num_outputs = 0;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.num_outputs = 2;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    BoundOp op = clamp_op(x, out);
    op.num_inputs = 0;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.num_inputs = -3;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.num_inputs = kMaxOpInputs + 1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.num_inputs = 2;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    BoundOp op = clamp_op(x, out);
    op.inputs[0].data = nullptr;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    BoundOp op = clamp_op(x, out);
    op.outputs[0].data = nullptr;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {
    BoundOp op = clamp_op(x, out);
    op.inputs[0].rank = kMaxRank + 1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.inputs[0].rank = -1;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // zero and negative dims
    BoundOp op = clamp_op(x, out);
    op.inputs[0].dims[1] = 0;
    op.outputs[0].dims[1] = 0;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
    op.inputs[0].dims[1] = -3;
    op.outputs[0].dims[1] = -3;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
  {  // misaligned data
    BoundOp op = clamp_op(x, out);
    op.inputs[0].data = reinterpret_cast<float*>(reinterpret_cast<char*>(x.data.data()) + 1);
    NIBBLE_EXPECT_REJECTED(op, kMisaligned);
  }
  {  // partial overlap of input and output
    Buf big = tensor({12});
    BoundOp op = clamp_op(x, out);
    op.inputs[0].data = big.data.data();
    op.outputs[0].data = big.data.data() + 2;
    NIBBLE_EXPECT_REJECTED(op, kMalformed);
  }
}

TEST(RefCheckOp, UnknownOpCode) {
  Buf x = iota({2});
  Buf out = tensor({2});
  BoundOp op = clamp_op(x, out, "mystery");
  op.params.code = static_cast<OpCode>(200);
  NIBBLE_EXPECT_REJECTED(op, kUnsupported);
}

}  // namespace
}  // namespace nibble::test
