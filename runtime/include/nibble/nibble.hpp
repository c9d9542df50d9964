// nibble C++ API.
//
// A Model is a loaded, fully verified .nbl file; it is immutable and may
// be shared by any number of Sessions on any threads. A Session owns the
// activation arena, the thread pool and the per-op state; it is used by
// one thread at a time. Everything a Session needs is allocated in
// Session::create(); Session::run() allocates nothing.
//
// Thread safety (docs/THREADING.md; tested by tests/concurrency under
// ThreadSanitizer):
//   - Model: after from_buffer/load_file returns, every const method and
//     Session::create(model) may run on any threads at once; nothing in
//     it changes. Destroy it after every Session created on it, and not
//     while another thread uses it (nor move it then).
//   - Session: one thread at a time (no internal lock). Different
//     Sessions, on one Model or on several, run concurrently without any
//     coordination. A Session may move between threads if the caller
//     orders the hand-over (a join, a mutex, a queue).
//   - A Session's num_threads > 1 gives it its own thread pool: run()
//     blocks its caller until the pool's workers are done, and the
//     pool's threads touch only that session's arena and the model's
//     read-only weights. Pools are never shared between sessions. Results
//     are bit-identical for any num_threads and for any number of
//     concurrent sessions (work is split only over output elements; no
//     reduction depends on the thread count).
//   - Allocator callbacks are called on the thread that calls from_buffer,
//     Session::create or a destructor, never from pool threads. nibble
//     never calls one allocator from two threads at once for one object,
//     but two objects sharing an allocator and created or destroyed on
//     different threads do: such an allocator must then be thread-safe
//     (nibble/arena_allocator.h is not; serialise those calls, or give
//     each thread its own).
//   - Process-wide state is set up once, thread-safely, on first use
//     (XNNPACK's initialisation, the CPU feature table, NIBBLE_ISA).
//   - Tokenizer: see nibble/tokenizer.hpp (immutable; const methods run
//     concurrently).
//
// Where that memory comes from is the caller's choice: every allocation
// of a Model or Session goes through an Allocator (malloc/free when none
// is given). nibble/arena_allocator.h serves them from a static buffer,
// which is how a bare-metal program runs a model without a heap.
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

enum class ElementType : int32_t {
  kF32 = 0,
  kI32 = 1,  // token ids (inputs of EMBEDDING)
};

struct TensorInfo {
  const char* name;
  int32_t rank;
  int64_t dims[kMaxTensorRank];  // for a sequence tensor, dims[0] is the maximum
  uint64_t numel;
  ElementType type;
  bool sequence;  // dims[0] is the sequence (token) axis, set per run
};

enum class Backend : int32_t {
  kDefault = 0,    // XNNPACK for the ops it covers, reference for the rest
  kReference = 1,  // portable reference ops only
  kXnnpack = 2,    // like kDefault, but fails if XNNPACK is not built in
};

NIBBLE_CXX_API const char* backend_name(Backend backend);

// What the fused kernels (encoded LINEAR/CONV2D weights) multiply the
// weights with. kInt8: activations are quantized on the fly per block of
// 32 (ggml's q8 rule: d = max|x| / 127) and integer dot products run
// (AVX-512 VNNI, AVX2, Neon dotprod) wherever a kernel exists for the
// weight's format; elsewhere f32. Faster where memory-bound, at a small
// accuracy cost (docs/KERNELS.md has the measured figures). On AVX-512
// VNNI, kInt8 sessions also keep a copy of 4-bit weights (Q4_0, Q4_1,
// 4-bit ints and tables per row or in groups of 32) repacked for their
// one-row kernel, made at creation: about the weights' size again
// (docs/GEMV.md).
enum class ActivationPrecision : int32_t {
  kF32 = 0,
  kInt8 = 1,
};

// Caller-supplied memory, in the spirit of TFLite Micro's arena and
// ExecuTorch's MemoryAllocator. nibble copies the struct, so it need not
// outlive the call it is passed to; `context` must outlive every Model or
// Session created with it.
//   allocate:   `bytes` (> 0) aligned to `alignment` (a power of two;
//               nibble asks for at most 64); nullptr when out of memory,
//               which nibble reports as kOutOfMemory. Need not be zeroed.
//   deallocate: gives back a block from allocate (never nullptr). May be
//               null itself if the owner reclaims memory some other way.
// nibble frees an object's blocks in the reverse order it allocated them
// (a stack): with objects destroyed in reverse order of creation (a
// Session before its Model), a bump allocator takes back everything.
// It calls the hooks only from
// Model::from_buffer, Session::create and the destructors, never from
// Session::run(), and never from two threads at once for one object.
struct Allocator {
  void* (*allocate)(void* context, size_t bytes, size_t alignment);
  void (*deallocate)(void* context, void* p);
  void* context;
};

struct SessionOptions {
  int32_t num_threads = 1;  // 0: one per core (freestanding builds: 0 or 1)
  Backend backend = Backend::kDefault;
  // Arena, op table and the Session itself; nullptr: malloc/free (not the
  // model's allocator: say where session memory goes explicitly). XNNPACK
  // operators (hosted builds, Backend::kDefault/kXnnpack) still take
  // their own memory from XNNPACK's allocator.
  const Allocator* allocator = nullptr;
  // The fused kernels' instruction-set level, at most: nullptr for the
  // best the CPU has, or "scalar", "avx2", "avx512", "avx512vnni", "neon",
  // "neondot" (a level above the CPU's means its best; another
  // architecture's is an error). The environment variable NIBBLE_ISA
  // lowers it further. For testing and bug reports.
  const char* kernel_isa = nullptr;
  ActivationPrecision activation_precision = ActivationPrecision::kF32;
};

class Session;

class NIBBLE_CXX_API Model {
 public:
  // Verifies and wraps a .nbl image the caller owns; the buffer must stay
  // alive and unchanged while the Model exists, and be 64-byte aligned
  // (weights are read in place). The Model's own tables come from
  // `allocator` (nullptr: malloc/free); the image is never copied.
  static Result<Model> from_buffer(const void* data, size_t size, const Allocator* allocator = nullptr);
  // Memory-maps a file (read-only) and verifies it. The message of a
  // failure names the path. Freestanding builds have no file system: there
  // it returns kUnsupported (embed the image, use from_buffer).
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
  // Token models: the most rows (tokens) one run processes, 0 if the model
  // has no sequence axis.
  int64_t max_sequence_length() const;
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
  // For a sequence input, count may be any whole number n of rows (1 <= n
  // <= the maximum): the session's sequence length becomes n.
  Status set_input(size_t index, const float* data, size_t count);
  // The same for an I32 input (token ids).
  Status set_input_ids(size_t index, const int32_t* ids, size_t count);

  // Token models (Model::max_sequence_length() > 0). Every run processes
  // the first `sequence_length()` rows of each sequence tensor (inputs,
  // outputs and everything between): set_input/set_input_ids set it, or
  // this call (1 <= rows <= maximum; initially the maximum). Output row r
  // belongs to input row r.
  Status set_sequence_length(int64_t rows);
  int64_t sequence_length() const;
  // Models with per-position state (ATTENTION's key/value cache, learned
  // position embeddings): the tokens the session holds. A run's rows are
  // positions position() .. position() + rows - 1 and advance it by rows;
  // a run that would pass max_positions() fails (nothing changes), and
  // reset() starts a new sequence. For stateless models, position() stays 0.
  int64_t position() const;
  int64_t max_positions() const;  // INT64_MAX when nothing limits it
  void reset();

  Status run();

  // Reporting: which backend runs op i ("xnnpack", "fused" or
  // "reference"), whether it takes int8 activations, the fused kernels'
  // level ("avx512vnni", ...), and bytes this session allocated (arena,
  // op state, fused-kernel workspace, repacked weights).
  const char* op_backend(size_t op_index) const;
  bool op_int8_activations(size_t op_index) const;
  size_t num_xnnpack_ops() const;
  size_t num_fused_ops() const;
  const char* kernel_isa() const;
  uint64_t allocated_bytes() const;

  struct Impl;

 private:
  friend struct SessionAccess;
  explicit Session(Impl* impl) : impl_(impl) {}
  Impl* impl_ = nullptr;
};

// One line describing the CPU as cpuinfo sees it (vendor, model, ISA
// extensions the kernels care about). cpuinfo is initialised once.
// Freestanding builds: "freestanding build: scalar kernels".
NIBBLE_CXX_API const char* cpu_description();

}  // namespace nibble
