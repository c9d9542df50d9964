// The C99 tokenizer API (nibble/tokenizer.h) over nibble::Tokenizer.
#include "nibble/tokenizer.h"

#include "api/c_handles.h"
#include "core/allocation.h"
#include "core/format.h"
#include "nibble/tokenizer.hpp"

struct nibble_tokenizer {
  nibble::Tokenizer tokenizer;
  nibble::Allocator allocator;  // of this handle
};

using nibble::c_api::allocate_handle;
using nibble::c_api::free_handle;
using nibble::c_api::invalid;
using nibble::c_api::report;
using nibble::c_api::to_cpp;

extern "C" {

nibble_status nibble_tokenizer_create(const nibble_model* model, const nibble_allocator* allocator,
                                      nibble_tokenizer** tokenizer, nibble_error* error) {
  if (tokenizer == nullptr) return invalid("tokenizer out-pointer is null", error);
  *tokenizer = nullptr;
  if (model == nullptr) return invalid("model is null", error);
  const nibble::Allocator a = allocator != nullptr ? to_cpp(*allocator) : nibble::default_allocator();
  // The handle before the tokenizer's tables, freed after them: a stack.
  void* memory = allocate_handle<nibble_tokenizer>(a);
  if (memory == nullptr) return report(NIBBLE_ERROR(kOutOfMemory, "no memory for a tokenizer handle"), error);
  auto result = nibble::Tokenizer::from_model(model->model, &a);
  if (!result.is_ok()) {
    nibble::release(a, memory);
    return report(result.status(), error);
  }
  *tokenizer = new (memory) nibble_tokenizer{std::move(result.value()), a};
  return NIBBLE_OK;
}

void nibble_tokenizer_free(nibble_tokenizer* tokenizer) { free_handle(tokenizer); }

nibble_status nibble_tokenizer_encode(const nibble_tokenizer* tokenizer, const char* text, size_t length,
                                      int32_t* ids, size_t capacity, size_t* count, nibble_error* error) {
  if (tokenizer == nullptr) return invalid("tokenizer is null", error);
  return report(tokenizer->tokenizer.encode(text, length, ids, capacity, count), error);
}

nibble_status nibble_tokenizer_decode(const nibble_tokenizer* tokenizer, const int32_t* ids, size_t n, char* out,
                                      size_t capacity, size_t* length, nibble_error* error) {
  if (tokenizer == nullptr) return invalid("tokenizer is null", error);
  return report(tokenizer->tokenizer.decode(ids, n, out, capacity, length), error);
}

const char* nibble_tokenizer_token_bytes(const nibble_tokenizer* tokenizer, int32_t id, size_t* length) {
  if (tokenizer == nullptr) {
    if (length != nullptr) *length = 0;
    return nullptr;
  }
  return tokenizer->tokenizer.token_bytes(id, length);
}

size_t nibble_tokenizer_vocab_size(const nibble_tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->tokenizer.vocab_size() : 0;
}

int32_t nibble_tokenizer_bos(const nibble_tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->tokenizer.bos() : -1;
}

int32_t nibble_tokenizer_eos(const nibble_tokenizer* tokenizer) {
  return tokenizer != nullptr ? tokenizer->tokenizer.eos() : -1;
}

}  // extern "C"
