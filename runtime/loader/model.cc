#include <cstring>

#include "core/allocation.h"
#include "loader/model_impl.h"

namespace nibble {

Result<Model> make_model(const void* data, size_t size, void (*release)(void*, const void*, uint64_t),
                         void* release_context, const Allocator* allocator) {
  if (allocator != nullptr && allocator->allocate == nullptr) {
    if (release != nullptr) release(release_context, data, size);
    return NIBBLE_ERROR(kInvalidArgument, "allocator has no allocate function");
  }
  const Allocator alloc = resolve_allocator(allocator);
  Model::Impl* impl = create_object<Model::Impl>(alloc);
  if (impl == nullptr) {
    if (release != nullptr) release(release_context, data, size);
    return NIBBLE_ERROR(kOutOfMemory, "no memory for a model");
  }
  impl->release = release;
  impl->release_context = release_context;
  impl->allocator = alloc;
  Status status = verify_model(static_cast<const uint8_t*>(data), size, impl);
  if (!status.is_ok()) {
    destroy_model_tables(impl);
    if (release != nullptr) release(release_context, data, size);
    destroy_object(alloc, impl);
    return status;
  }
  impl->base = static_cast<const uint8_t*>(data);
  impl->size = size;
  return ModelAccess::make(impl);
}

Result<Model> Model::from_buffer(const void* data, size_t size, const Allocator* allocator) {
  return make_model(data, size, nullptr, nullptr, allocator);
}

Model::Model(Model&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

Model& Model::operator=(Model&& other) noexcept {
  if (this != &other) {
    this->~Model();
    impl_ = other.impl_;
    other.impl_ = nullptr;
  }
  return *this;
}

Model::~Model() {
  if (impl_ == nullptr) return;
  destroy_model_tables(impl_);
  if (impl_->release != nullptr) impl_->release(impl_->release_context, impl_->base, impl_->size);
  destroy_object(impl_->allocator, impl_);
  impl_ = nullptr;
}

namespace {

TensorInfo info_of(const Model::Impl* impl, int32_t tensor) {
  TensorInfo info;
  std::memset(&info, 0, sizeof(info));
  const TensorDesc& d = impl->tensors[tensor];
  info.name = d.name;
  info.rank = d.rank;
  for (int32_t i = 0; i < d.rank; ++i) info.dims[i] = d.dims[i];
  info.numel = d.numel;
  info.type = d.is_int32 ? ElementType::kI32 : ElementType::kF32;
  info.sequence = d.sequence;
  return info;
}

}  // namespace

size_t Model::num_inputs() const { return impl_->num_inputs; }
size_t Model::num_outputs() const { return impl_->num_outputs; }
size_t Model::num_operators() const { return impl_->num_ops; }
size_t Model::num_tensors() const { return impl_->num_tensors; }

TensorInfo Model::input(size_t index) const {
  if (index >= impl_->num_inputs) return TensorInfo{"", 0, {0}, 0, ElementType::kF32, false};
  return info_of(impl_, impl_->inputs[index]);
}

TensorInfo Model::output(size_t index) const {
  if (index >= impl_->num_outputs) return TensorInfo{"", 0, {0}, 0, ElementType::kF32, false};
  return info_of(impl_, impl_->outputs[index]);
}

uint64_t Model::file_bytes() const { return impl_->size; }
uint64_t Model::weight_bytes() const { return impl_->weight_bytes; }
uint64_t Model::arena_bytes() const { return impl_->arena_bytes; }
int64_t Model::max_sequence_length() const { return impl_->max_sequence; }

const char* Model::metadata(const char* key) const {
  const fb::Metadata* m = impl_->root->metadata();
  if (m == nullptr || key == nullptr) return "";
  const flatbuffers::String* value = nullptr;
  if (std::strcmp(key, "producer") == 0) value = m->producer();
  else if (std::strcmp(key, "producer_version") == 0) value = m->producer_version();
  else if (std::strcmp(key, "source_file") == 0) value = m->source_file();
  else if (std::strcmp(key, "source_sha256") == 0) value = m->source_sha256();
  else if (std::strcmp(key, "converter_options") == 0) value = m->converter_options();
  else if (m->entries() != nullptr) {
    for (const fb::KeyValue* kv : *m->entries()) {
      if (kv->key() != nullptr && std::strcmp(kv->key()->c_str(), key) == 0) value = kv->value();
    }
  }
  return value != nullptr ? value->c_str() : "";
}

}  // namespace nibble
