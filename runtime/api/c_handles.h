// What the C APIs share (nibble.h and the extensions' C APIs, such as the
// tokenizer's): the model handle, whose Model the extensions read, and the
// helpers every C entry point uses to report a Status and to place a
// handle in its allocator's memory.
#pragma once

#include "core/allocation.h"
#include "core/format.h"
#include "nibble/nibble.h"
#include "nibble/nibble.hpp"

struct nibble_model {
  nibble::Model model;
  nibble::Allocator allocator;  // of this handle
};

namespace nibble::c_api {

// The status code; the message too when the caller passed an error.
inline nibble_status report(const nibble::Status& status, nibble_error* error) {
  const nibble_status code = static_cast<nibble_status>(status.code());
  if (error != nullptr) {
    error->status = code;
    nibble::format(error->message, sizeof(error->message), "%s", status.message());
  }
  return code;
}

inline nibble_status invalid(const char* what, nibble_error* error) {
  return report(NIBBLE_ERROR(kInvalidArgument, "%s", what), error);
}

// The C struct has the C++ one's fields; copy rather than cast.
inline nibble::Allocator to_cpp(const nibble_allocator& a) {
  return nibble::Allocator{a.allocate, a.deallocate, a.context};
}

// Handles are allocated before the object they wrap and freed after it, so
// the allocator sees a stack (see nibble::Allocator).
template <typename Handle>
void* allocate_handle(const nibble::Allocator& a) {
  return nibble::allocate_zeroed(a, sizeof(Handle), alignof(Handle));
}

template <typename Handle>
void free_handle(Handle* handle) {
  if (handle == nullptr) return;
  const nibble::Allocator a = handle->allocator;
  handle->~Handle();
  nibble::release(a, handle);
}

}  // namespace nibble::c_api
