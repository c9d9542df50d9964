/* The C tokenizer API as a C99 program uses it: create from a loaded
 * model, encode, decode, token bytes, errors. Returns NULL if everything
 * held, else a description of the first check that failed (the gtest in
 * tokenizer_c_api_test.cc asserts on it). The model image is the test
 * builder's byte-level vocabulary: 256 bytes, "ab" (256), "abc" (257). */
#include <stdint.h>
#include <string.h>

#include "nibble/nibble.h"
#include "nibble/tokenizer.h"

const char* tokenizer_c99_check(const void* image, size_t size);

#define CHECK(cond)           \
  do {                        \
    if (!(cond)) {            \
      failure = #cond;        \
      goto done;              \
    }                         \
  } while (0)

const char* tokenizer_c99_check(const void* image, size_t size) {
  const char* failure = NULL;
  nibble_model* model = NULL;
  nibble_tokenizer* tokenizer = NULL;
  nibble_error error;
  const char text[] = "abc ab\xff";
  int32_t ids[16];
  size_t count = 0;
  char out[16];
  size_t length = 0;
  const char* bytes = NULL;
  const int32_t bad_ids[2] = {97, 4096};

  CHECK(nibble_model_load_buffer(image, size, &model, &error) == NIBBLE_OK);
  CHECK(nibble_tokenizer_create(NULL, NULL, &tokenizer, &error) == NIBBLE_INVALID_ARGUMENT);
  CHECK(tokenizer == NULL);
  CHECK(nibble_tokenizer_create(model, NULL, &tokenizer, &error) == NIBBLE_OK);
  CHECK(nibble_tokenizer_vocab_size(tokenizer) == 258);
  CHECK(nibble_tokenizer_bos(tokenizer) == -1);
  CHECK(nibble_tokenizer_eos(tokenizer) == 257);

  /* Pieces "abc", " ab", "\xff" (an invalid byte: its own token). */
  CHECK(nibble_tokenizer_encode(tokenizer, text, sizeof(text) - 1, ids, 16, &count, &error) == NIBBLE_OK);
  CHECK(count == 4);
  CHECK(ids[0] == 257 && ids[1] == ' ' && ids[2] == 256 && ids[3] == 0xff);
  CHECK(nibble_tokenizer_encode(tokenizer, text, sizeof(text) - 1, ids, 2, &count, &error) == NIBBLE_OUT_OF_RANGE);
  CHECK(count == 4);
  CHECK(error.status == NIBBLE_OUT_OF_RANGE && strstr(error.message, "room for 2") != NULL);

  CHECK(nibble_tokenizer_decode(tokenizer, ids, 4, out, sizeof(out), &length, &error) == NIBBLE_OK);
  CHECK(length == sizeof(text) - 1 && memcmp(out, text, length) == 0);
  CHECK(nibble_tokenizer_decode(tokenizer, bad_ids, 2, out, sizeof(out), &length, NULL) == NIBBLE_OUT_OF_RANGE);

  bytes = nibble_tokenizer_token_bytes(tokenizer, 256, &length);
  CHECK(bytes != NULL && length == 2 && memcmp(bytes, "ab", 2) == 0);
  CHECK(nibble_tokenizer_token_bytes(tokenizer, 258, &length) == NULL);
  CHECK(nibble_tokenizer_encode(NULL, text, 1, ids, 16, &count, &error) == NIBBLE_INVALID_ARGUMENT);

done:
  nibble_tokenizer_free(tokenizer);
  nibble_model_free(model);
  return failure;
}
