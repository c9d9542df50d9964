// nibble::Tokenizer: the verified arrays (in the model image or the
// caller's memory), a byte -> token table and the merge table.
#include "nibble/tokenizer.hpp"

#include <cstring>

#include "core/allocation.h"
#include "extension/tokenizer/bpe_word.h"
#include "extension/tokenizer/merge_table.h"
#include "extension/tokenizer/pretokenizer.h"
#include "loader/model_impl.h"
#include "loader/tokenizer_verifier.h"

namespace nibble {

struct Tokenizer::Impl {
  Allocator allocator;  // of this Impl and its tables
  TokenizerData data;
  int32_t byte_token[256];
  tokenizer::MergeTable merges;
};

namespace {

void destroy_impl(Tokenizer::Impl* impl) {
  if (impl == nullptr) return;
  const Allocator a = impl->allocator;
  impl->merges.destroy(a);
  destroy_object(a, impl);
}

// The first single-byte token of each byte (the verifier made sure there
// is one for all 256).
void fill_byte_tokens(const TokenizerData& d, int32_t* byte_token) {
  for (int b = 0; b < 256; ++b) byte_token[b] = -1;
  for (size_t i = d.num_tokens; i-- > 0;) {
    if (d.token_offsets[i + 1] - d.token_offsets[i] == 1) {
      byte_token[d.token_bytes[d.token_offsets[i]]] = static_cast<int32_t>(i);
    }
  }
}

}  // namespace

Result<Tokenizer> Tokenizer::create(const TokenizerData& data, const Allocator* allocator) {
  NIBBLE_RETURN_IF_ERROR(verify_tokenizer_data(data));
  const Allocator a = resolve_allocator(allocator);
  Impl* impl = create_object<Impl>(a);
  if (impl == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for a tokenizer");
  impl->allocator = a;
  impl->data = data;
  fill_byte_tokens(data, impl->byte_token);
  Status status = impl->merges.build(a, data.merges, data.merge_results, data.num_merges);
  if (!status.is_ok()) {
    destroy_impl(impl);
    return status;
  }
  return Tokenizer(impl);
}

Result<Tokenizer> Tokenizer::from_model(const Model& model, const Allocator* allocator) {
  if (model.impl() == nullptr) return NIBBLE_ERROR(kInvalidArgument, "tokenizer from an empty (moved-from) Model");
  const fb::Tokenizer* t = model.impl()->root->tokenizer();
  if (t == nullptr) return NIBBLE_ERROR(kUnsupported, "the model file has no tokenizer (Model.tokenizer is absent)");
  // The loader verified the table already; create() checks again, cheaply
  // next to loading, and keeps one path for both sources.
  NIBBLE_RETURN_IF_ERROR(verify_tokenizer(t));
  return create(tokenizer_data(t), allocator);
}

Tokenizer::Tokenizer(Tokenizer&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

Tokenizer& Tokenizer::operator=(Tokenizer&& other) noexcept {
  if (this != &other) {
    destroy_impl(impl_);
    impl_ = other.impl_;
    other.impl_ = nullptr;
  }
  return *this;
}

Tokenizer::~Tokenizer() { destroy_impl(impl_); }

Status Tokenizer::encode(const char* text, size_t length, int32_t* ids, size_t capacity, size_t* count) const {
  if (impl_ == nullptr) return NIBBLE_ERROR(kInvalidArgument, "encode on an empty (moved-from) Tokenizer");
  if (count == nullptr) return NIBBLE_ERROR(kInvalidArgument, "encode: count is null");
  *count = 0;
  if (length > 0 && text == nullptr) return NIBBLE_ERROR(kInvalidArgument, "encode: text is null");
  if (capacity > 0 && ids == nullptr) return NIBBLE_ERROR(kInvalidArgument, "encode: ids is null");
  if (length > static_cast<size_t>(INT32_MAX)) {
    return NIBBLE_ERROR(kInvalidArgument, "encode: %zu bytes of text, more than the limit of 2^31 - 1", length);
  }
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(text);

  // A first pass finds the longest piece, so one scratch block serves all.
  size_t longest = 0;
  for (size_t pos = 0; pos < length;) {
    const size_t end = tokenizer::pretoken_end(bytes, length, pos);
    if (end - pos > longest) longest = end - pos;
    pos = end;
  }
  // Ordinary words fit the stack block (under 1 KB, fine on a
  // microcontroller too): most calls never touch the allocator.
  constexpr size_t kStackWord = 16;
  alignas(tokenizer::PairCandidate) unsigned char stack_memory[tokenizer::bpe_scratch_bytes(kStackWord)];
  void* memory = nullptr;
  tokenizer::BpeScratch scratch = tokenizer::bpe_scratch_in(stack_memory, kStackWord);
  if (longest > kStackWord) {
    const size_t scratch_bytes = tokenizer::bpe_scratch_bytes(longest);
    if (scratch_bytes != 0) memory = allocate_zeroed(impl_->allocator, scratch_bytes, alignof(int32_t));
    if (memory == nullptr) {
      return NIBBLE_ERROR(kOutOfMemory, "encode: no memory for BPE scratch (%zu-byte pre-token)", longest);
    }
    scratch = tokenizer::bpe_scratch_in(memory, longest);
  }

  size_t n = 0;
  auto emit = [&](int32_t id) {
    if (n < capacity) ids[n] = id;
    ++n;
  };
  for (size_t pos = 0; pos < length;) {
    const size_t end = tokenizer::pretoken_end(bytes, length, pos);
    if (end - pos == 1) {
      emit(impl_->byte_token[bytes[pos]]);
    } else {
      tokenizer::bpe_word(bytes + pos, end - pos, impl_->byte_token, impl_->merges, &scratch);
      for (int32_t i = 0; i >= 0; i = scratch.next[i]) emit(scratch.token[i]);
    }
    pos = end;
  }
  release(impl_->allocator, memory);
  *count = n;
  if (n > capacity) {
    return NIBBLE_ERROR(kOutOfRange, "encode: the text is %zu tokens but ids has room for %zu", n, capacity);
  }
  return Status::ok();
}

Status Tokenizer::decode(const int32_t* ids, size_t n, char* out, size_t capacity, size_t* length) const {
  if (impl_ == nullptr) return NIBBLE_ERROR(kInvalidArgument, "decode on an empty (moved-from) Tokenizer");
  if (length == nullptr) return NIBBLE_ERROR(kInvalidArgument, "decode: length is null");
  *length = 0;
  if (n > 0 && ids == nullptr) return NIBBLE_ERROR(kInvalidArgument, "decode: ids is null");
  if (capacity > 0 && out == nullptr) return NIBBLE_ERROR(kInvalidArgument, "decode: out is null");
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t size = 0;
    const char* bytes = token_bytes(ids[i], &size);
    if (bytes == nullptr) {
      *length = total;
      return NIBBLE_ERROR(kOutOfRange, "decode: ids[%zu] = %d is not a token (vocabulary of %zu)", i,
                          static_cast<int>(ids[i]), impl_->data.num_tokens);
    }
    if (total < capacity) std::memcpy(out + total, bytes, size < capacity - total ? size : capacity - total);
    // 32-bit targets: many long tokens could wrap a size_t.
    if (size > SIZE_MAX - total) {
      *length = total;
      return NIBBLE_ERROR(kOverflow, "decode: the ids' bytes overflow size_t at ids[%zu]", i);
    }
    total += size;
  }
  *length = total;
  if (total > capacity) {
    return NIBBLE_ERROR(kOutOfRange, "decode: the ids are %zu bytes but out has room for %zu", total, capacity);
  }
  return Status::ok();
}

const char* Tokenizer::token_bytes(int32_t id, size_t* length) const {
  if (impl_ == nullptr || id < 0 || static_cast<uint64_t>(id) >= impl_->data.num_tokens) {
    if (length != nullptr) *length = 0;
    return nullptr;
  }
  const uint32_t* o = impl_->data.token_offsets;
  if (length != nullptr) *length = o[id + 1] - o[id];
  // Never null: the verifier required the 256 single-byte tokens.
  return reinterpret_cast<const char*>(impl_->data.token_bytes + o[id]);
}

size_t Tokenizer::vocab_size() const { return impl_ != nullptr ? impl_->data.num_tokens : 0; }
int32_t Tokenizer::bos() const { return impl_ != nullptr ? impl_->data.bos : -1; }
int32_t Tokenizer::eos() const { return impl_ != nullptr ? impl_->data.eos : -1; }

}  // namespace nibble
