// The C99 API over the C++ one. Handles are the C++ objects themselves,
// plus the allocator their memory came from.
#include "nibble/nibble.h"

#include <cstring>
#include <new>

#include "api/c_handles.h"
#include "core/allocation.h"
#include "core/format.h"
#include "nibble/nibble.hpp"

struct nibble_session {
  nibble::Session session;
  nibble::Allocator allocator;  // of this handle
};

using nibble::c_api::allocate_handle;
using nibble::c_api::free_handle;
using nibble::c_api::invalid;
using nibble::c_api::report;
using nibble::c_api::to_cpp;

namespace {

void fill_info(const nibble::TensorInfo& in, nibble_tensor_info* out) {
  out->name = in.name;
  out->rank = in.rank;
  for (int i = 0; i < 6; ++i) out->dims[i] = i < in.rank ? in.dims[i] : 0;
  out->numel = in.numel;
  out->element_type = in.type == nibble::ElementType::kI32 ? NIBBLE_I32 : NIBBLE_F32;
  out->sequence = in.sequence ? 1 : 0;
}

}  // namespace

extern "C" {

const char* nibble_status_string(nibble_status status) {
  return nibble::status_code_name(static_cast<nibble::StatusCode>(status));
}

const char* nibble_cpu_description(void) { return nibble::cpu_description(); }

nibble_status nibble_model_load_buffer(const void* data, size_t size, nibble_model** model, nibble_error* error) {
  return nibble_model_load_buffer_with_allocator(data, size, nullptr, model, error);
}

nibble_status nibble_model_load_buffer_with_allocator(const void* data, size_t size, const nibble_allocator* allocator,
                                                      nibble_model** model, nibble_error* error) {
  if (model == nullptr) return invalid("model out-pointer is null", error);
  *model = nullptr;
  if (allocator != nullptr && allocator->allocate == nullptr) return invalid("allocator has no allocate function", error);
  const nibble::Allocator cpp_allocator = allocator != nullptr ? to_cpp(*allocator) : nibble::default_allocator();
  void* memory = allocate_handle<nibble_model>(cpp_allocator);
  if (memory == nullptr) return report(NIBBLE_ERROR(kOutOfMemory, "no memory for a model handle"), error);
  nibble::Result<nibble::Model> result = nibble::Model::from_buffer(data, size, &cpp_allocator);
  if (!result.is_ok()) {
    nibble::release(cpp_allocator, memory);
    return report(result.status(), error);
  }
  *model = new (memory) nibble_model{std::move(result.value()), cpp_allocator};
  return report(nibble::Status::ok(), error);
}

nibble_status nibble_model_load_file(const char* path, nibble_model** model, nibble_error* error) {
  if (model == nullptr) return invalid("model out-pointer is null", error);
  *model = nullptr;
  const nibble::Allocator a = nibble::default_allocator();
  void* memory = allocate_handle<nibble_model>(a);
  if (memory == nullptr) return report(NIBBLE_ERROR(kOutOfMemory, "no memory for a model handle"), error);
  nibble::Result<nibble::Model> result = nibble::Model::load_file(path);
  if (!result.is_ok()) {
    nibble::release(a, memory);
    return report(result.status(), error);
  }
  *model = new (memory) nibble_model{std::move(result.value()), a};
  return report(nibble::Status::ok(), error);
}

void nibble_model_free(nibble_model* model) { free_handle(model); }

size_t nibble_model_num_inputs(const nibble_model* model) { return model ? model->model.num_inputs() : 0; }
size_t nibble_model_num_outputs(const nibble_model* model) { return model ? model->model.num_outputs() : 0; }

nibble_status nibble_model_input_info(const nibble_model* model, size_t index, nibble_tensor_info* info) {
  if (model == nullptr || info == nullptr || index >= model->model.num_inputs()) return NIBBLE_INVALID_ARGUMENT;
  fill_info(model->model.input(index), info);
  return NIBBLE_OK;
}

nibble_status nibble_model_output_info(const nibble_model* model, size_t index, nibble_tensor_info* info) {
  if (model == nullptr || info == nullptr || index >= model->model.num_outputs()) return NIBBLE_INVALID_ARGUMENT;
  fill_info(model->model.output(index), info);
  return NIBBLE_OK;
}

uint64_t nibble_model_arena_bytes(const nibble_model* model) { return model ? model->model.arena_bytes() : 0; }
uint64_t nibble_model_weight_bytes(const nibble_model* model) { return model ? model->model.weight_bytes() : 0; }

void nibble_session_options_init(nibble_session_options* options) {
  if (options == nullptr) return;
  options->num_threads = 1;
  options->backend = NIBBLE_BACKEND_DEFAULT;
  options->allocator = nullptr;
  options->kernel_isa = nullptr;
  options->activation_precision = NIBBLE_ACTIVATIONS_F32;
}

nibble_status nibble_session_create(const nibble_model* model, const nibble_session_options* options,
                                    nibble_session** session, nibble_error* error) {
  if (model == nullptr || session == nullptr) return invalid("model or session out-pointer is null", error);
  *session = nullptr;
  nibble::SessionOptions cpp_options;
  nibble::Allocator cpp_allocator = nibble::default_allocator();
  if (options != nullptr) {
    cpp_options.num_threads = options->num_threads;
    cpp_options.backend = static_cast<nibble::Backend>(options->backend);
    cpp_options.kernel_isa = options->kernel_isa;
    cpp_options.activation_precision = static_cast<nibble::ActivationPrecision>(options->activation_precision);
    if (options->allocator != nullptr) {
      if (options->allocator->allocate == nullptr) return invalid("session allocator has no allocate function", error);
      cpp_allocator = to_cpp(*options->allocator);
      cpp_options.allocator = &cpp_allocator;
    }
  }
  void* memory = allocate_handle<nibble_session>(cpp_allocator);
  if (memory == nullptr) return report(NIBBLE_ERROR(kOutOfMemory, "no memory for a session handle"), error);
  nibble::Result<nibble::Session> result = nibble::Session::create(model->model, cpp_options);
  if (!result.is_ok()) {
    nibble::release(cpp_allocator, memory);
    return report(result.status(), error);
  }
  *session = new (memory) nibble_session{std::move(result.value()), cpp_allocator};
  return report(nibble::Status::ok(), error);
}

void nibble_session_free(nibble_session* session) { free_handle(session); }

float* nibble_session_input(nibble_session* session, size_t index) {
  return session ? session->session.input_data(index) : nullptr;
}

const float* nibble_session_output(const nibble_session* session, size_t index) {
  return session ? session->session.output_data(index) : nullptr;
}

nibble_status nibble_session_run(nibble_session* session, nibble_error* error) {
  if (session == nullptr) return invalid("session is null", error);
  return report(session->session.run(), error);
}

int64_t nibble_model_max_sequence_length(const nibble_model* model) {
  return model ? model->model.max_sequence_length() : 0;
}

nibble_status nibble_session_set_input(nibble_session* session, size_t index, const float* data, size_t count,
                                       nibble_error* error) {
  if (session == nullptr) return invalid("session is null", error);
  return report(session->session.set_input(index, data, count), error);
}

nibble_status nibble_session_set_input_ids(nibble_session* session, size_t index, const int32_t* ids, size_t count,
                                           nibble_error* error) {
  if (session == nullptr) return invalid("session is null", error);
  return report(session->session.set_input_ids(index, ids, count), error);
}

nibble_status nibble_session_set_sequence_length(nibble_session* session, int64_t rows, nibble_error* error) {
  if (session == nullptr) return invalid("session is null", error);
  return report(session->session.set_sequence_length(rows), error);
}

int64_t nibble_session_sequence_length(const nibble_session* session) {
  return session ? session->session.sequence_length() : 0;
}

int64_t nibble_session_position(const nibble_session* session) { return session ? session->session.position() : 0; }

int64_t nibble_session_max_positions(const nibble_session* session) {
  return session ? session->session.max_positions() : 0;
}

void nibble_session_reset(nibble_session* session) {
  if (session != nullptr) session->session.reset();
}

}  // extern "C"
