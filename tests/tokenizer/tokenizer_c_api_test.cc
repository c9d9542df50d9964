// Runs the C99 program of tokenizer_c99_check.c on a model with an
// embedded tokenizer, and checks the C API's error for a model without.
#include <gtest/gtest.h>

#include "nibble/tokenizer.h"
#include "test_model_builder.h"

extern "C" const char* tokenizer_c99_check(const void* image, size_t size);

namespace nibble {
namespace {

TEST(TokenizerCApi, C99ProgramChecksPass) {
  testing::Knobs k;
  k.write_tokenizer = true;
  k.tokenizer = testing::byte_level_tokenizer();
  testing::AlignedImage image = testing::aligned_copy(testing::build_model(k));
  const char* failure = tokenizer_c99_check(image.data(), image.size);
  EXPECT_EQ(failure, nullptr) << "failed: " << failure;
}

TEST(TokenizerCApi, ModelWithoutTokenizer) {
  testing::AlignedImage image = testing::aligned_copy(testing::build_model());
  nibble_model* model = nullptr;
  nibble_error error;
  ASSERT_EQ(nibble_model_load_buffer(image.data(), image.size, &model, &error), NIBBLE_OK);
  nibble_tokenizer* tokenizer = reinterpret_cast<nibble_tokenizer*>(&error);  // must be reset to null
  EXPECT_EQ(nibble_tokenizer_create(model, nullptr, &tokenizer, &error), NIBBLE_UNSUPPORTED);
  EXPECT_EQ(tokenizer, nullptr);
  EXPECT_EQ(error.status, NIBBLE_UNSUPPORTED);
  nibble_model_free(model);
}

}  // namespace
}  // namespace nibble
