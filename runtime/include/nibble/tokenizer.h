/* nibble C99 tokenizer API (library nibble_tokenizer): GPT-2's byte-level
 * BPE embedded in a model file. The same conventions as nibble.h: an
 * opaque handle, nibble_status results, messages in a caller-provided
 * nibble_error (may be NULL). nibble/tokenizer.hpp documents the
 * semantics: any byte string encodes (invalid UTF-8 bytes count as
 * punctuation-like characters), and decode(encode(s)) == s.
 *
 * Thread safety: a nibble_tokenizer is immutable; any number of threads
 * may use it at once (encode then calls the allocator concurrently). */
#ifndef NIBBLE_TOKENIZER_H_
#define NIBBLE_TOKENIZER_H_

#include <stddef.h>
#include <stdint.h>

#include "nibble/nibble.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nibble_tokenizer nibble_tokenizer;

/* The model's embedded tokenizer; NIBBLE_UNSUPPORTED if it has none. The
 * model must outlive the tokenizer. allocator: NULL for malloc/free. */
NIBBLE_API nibble_status nibble_tokenizer_create(const nibble_model* model, const nibble_allocator* allocator,
                                                 nibble_tokenizer** tokenizer, nibble_error* error);
NIBBLE_API void nibble_tokenizer_free(nibble_tokenizer* tokenizer);

/* capacity >= length always suffices. With less: the ids that fit, *count
 * = the number needed, NIBBLE_OUT_OF_RANGE. */
NIBBLE_API nibble_status nibble_tokenizer_encode(const nibble_tokenizer* tokenizer, const char* text, size_t length,
                                                 int32_t* ids, size_t capacity, size_t* count, nibble_error* error);
/* Bytes, not a C string (no NUL is written). Too small a capacity: the
 * bytes that fit, *length = the number needed, NIBBLE_OUT_OF_RANGE. */
NIBBLE_API nibble_status nibble_tokenizer_decode(const nibble_tokenizer* tokenizer, const int32_t* ids, size_t n,
                                                 char* out, size_t capacity, size_t* length, nibble_error* error);
/* One token's bytes (not NUL-terminated), or NULL if id is out of range. */
NIBBLE_API const char* nibble_tokenizer_token_bytes(const nibble_tokenizer* tokenizer, int32_t id, size_t* length);
NIBBLE_API size_t nibble_tokenizer_vocab_size(const nibble_tokenizer* tokenizer);
/* -1 if the vocabulary has none. */
NIBBLE_API int32_t nibble_tokenizer_bos(const nibble_tokenizer* tokenizer);
NIBBLE_API int32_t nibble_tokenizer_eos(const nibble_tokenizer* tokenizer);

#ifdef __cplusplus
}
#endif

#endif /* NIBBLE_TOKENIZER_H_ */
