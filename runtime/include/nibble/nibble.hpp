// nibble C++ API.
//
// A Model is a loaded, fully verified .nbl file; it is immutable and may
// be shared by any number of Sessions on any threads. A Session owns the
// activation arena, the thread pool and the per-op state; it is used by
// one thread at a time. Everything a Session needs is allocated in
// Session::create(); Session::run() allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nibble/status.h"

// Symbols of the public API are the only ones a shared libnibble exports
// (everything else is built with -fvisibility=hidden).
#if defined(__GNUC__)
#define NIBBLE_CXX_API __attribute__((visibility("default")))
#else
#define NIBBLE_CXX_API
#endif

namespace nibble {

constexpr int kMaxTensorRank = 6;

struct TensorInfo {
  const char* name;
  int32_t rank;
  int64_t dims[kMaxTensorRank];
  uint64_t numel;
};

enum class Backend : int32_t {
  kDefault = 0,    // XNNPACK for the ops it covers, reference for the rest
  kReference = 1,  // portable reference ops only
  kXnnpack = 2,    // like kDefault, but fails if XNNPACK is not built in
};

NIBBLE_CXX_API const char* backend_name(Backend backend);

struct SessionOptions {
  int32_t num_threads = 1;  // 0: one per core
  Backend backend = Backend::kDefault;
};

class Session;

class NIBBLE_CXX_API Model {
 public:
  // Verifies and wraps a .nbl image the caller owns; the buffer must stay
  // alive and unchanged while the Model exists, and be 64-byte aligned
  // (weights are read in place).
  static Result<Model> from_buffer(const void* data, size_t size);
  // Memory-maps a file (read-only) and verifies it. The message of a
  // failure names the path.
  static Result<Model> load_file(const char* path);

  Model(Model&& other) noexcept;
  Model& operator=(Model&& other) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  size_t num_inputs() const;
  size_t num_outputs() const;
  TensorInfo input(size_t index) const;
  TensorInfo output(size_t index) const;
  size_t num_operators() const;
  size_t num_tensors() const;

  uint64_t file_bytes() const;    // size of the .nbl image
  uint64_t weight_bytes() const;  // bytes of constant data segments
  uint64_t arena_bytes() const;   // activation arena a Session allocates
  // A metadata string ("producer", "producer_version", "source_file",
  // "source_sha256", "converter_options" or a KeyValue entry); "" if absent.
  const char* metadata(const char* key) const;

  struct Impl;
  const Impl* impl() const { return impl_; }

 private:
  friend struct ModelAccess;  // the loader builds Models from an Impl
  explicit Model(Impl* impl) : impl_(impl) {}
  Impl* impl_ = nullptr;
};

class NIBBLE_CXX_API Session {
 public:
  // The model must outlive the session.
  static Result<Session> create(const Model& model, const SessionOptions& options = {});

  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  // Where to write input i before run() (TensorInfo gives its shape), and
  // where output i is after run(). Stable for the session's lifetime.
  float* input_data(size_t index);
  const float* output_data(size_t index) const;
  // Copies count floats into input i; count must equal its element count.
  Status set_input(size_t index, const float* data, size_t count);

  Status run();

  // Reporting: which backend runs op i ("xnnpack" or "reference"), and
  // bytes this session allocated (arena + op state).
  const char* op_backend(size_t op_index) const;
  size_t num_xnnpack_ops() const;
  uint64_t allocated_bytes() const;

  struct Impl;

 private:
  friend struct SessionAccess;
  explicit Session(Impl* impl) : impl_(impl) {}
  Impl* impl_ = nullptr;
};

// One line describing the CPU as cpuinfo sees it (vendor, model, ISA
// extensions the kernels care about). cpuinfo is initialised once.
NIBBLE_CXX_API const char* cpu_description();

}  // namespace nibble
