/* nibble C99 API: opaque handles, status codes, messages in a
 * caller-provided nibble_error. No global state: every call reports into
 * the error its caller passes (or nowhere, if that is NULL).
 *
 * Thread safety (the C++ API's contract, nibble/nibble.hpp, in short;
 * docs/THREADING.md): a nibble_model is immutable once loaded; any number
 * of threads may query it and create sessions on it at once. It is freed
 * after every session on it. A nibble_session is used by one thread at a
 * time; different sessions run concurrently. A session with num_threads
 * > 1 has its own pool; results are bit-identical for any thread count.
 * Allocator callbacks run on the calling thread (never a pool thread);
 * one allocator shared by objects created or freed on different threads
 * must be thread-safe. nibble_session_run() allocates no memory.
 *
 * Memory: every allocation of a model or session (the handle included)
 * goes through a nibble_allocator when one is given, else malloc/free.
 * A bare-metal program passes an allocator over a static arena and never
 * touches a heap (targets/cortex-m7/README.md). */
#ifndef NIBBLE_H_
#define NIBBLE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NIBBLE_API __attribute__((visibility("default")))
#else
#define NIBBLE_API
#endif

/* Equal to nibble::StatusCode. */
typedef enum nibble_status {
  NIBBLE_OK = 0,
  NIBBLE_INVALID_ARGUMENT = 1,
  NIBBLE_IO_ERROR = 2,
  NIBBLE_TRUNCATED = 3,
  NIBBLE_BAD_IDENTIFIER = 4,
  NIBBLE_UNSUPPORTED_VERSION = 5,
  NIBBLE_MALFORMED = 6,
  NIBBLE_OUT_OF_RANGE = 7,
  NIBBLE_MISALIGNED = 8,
  NIBBLE_OVERFLOW = 9,
  NIBBLE_UNSUPPORTED = 10,
  NIBBLE_OUT_OF_MEMORY = 11,
  NIBBLE_BACKEND_ERROR = 12,
  NIBBLE_INTERNAL = 13
} nibble_status;

typedef enum nibble_backend {
  NIBBLE_BACKEND_DEFAULT = 0,   /* XNNPACK where it covers an op, else reference */
  NIBBLE_BACKEND_REFERENCE = 1,
  NIBBLE_BACKEND_XNNPACK = 2
} nibble_backend;

/* nibble::ActivationPrecision (nibble.hpp). */
typedef enum nibble_activation_precision {
  NIBBLE_ACTIVATIONS_F32 = 0,
  NIBBLE_ACTIVATIONS_INT8 = 1
} nibble_activation_precision;

typedef struct nibble_error {
  nibble_status status;
  char message[256];
} nibble_error;

typedef enum nibble_element_type {
  NIBBLE_F32 = 0,
  NIBBLE_I32 = 1 /* token ids */
} nibble_element_type;

typedef struct nibble_tensor_info {
  const char* name; /* owned by the model */
  int32_t rank;
  int64_t dims[6]; /* a sequence tensor's dims[0] is its maximum */
  uint64_t numel;
  nibble_element_type element_type;
  int32_t sequence; /* 1: dims[0] is the sequence (token) axis, set per run */
} nibble_tensor_info;

/* Caller-supplied memory; the same contract as nibble::Allocator
 * (nibble.hpp). allocate returns `bytes` (> 0) aligned to `alignment` (a
 * power of two, at most 64), or NULL when out of memory (reported as
 * NIBBLE_OUT_OF_MEMORY); the memory need not be zeroed. deallocate gives
 * a block back and may itself be NULL. Blocks are freed in the reverse
 * order of allocation. nibble copies the struct; `context` must outlive
 * the model or session. Never called from nibble_session_run(). */
typedef struct nibble_allocator {
  void* (*allocate)(void* context, size_t bytes, size_t alignment);
  void (*deallocate)(void* context, void* p);
  void* context;
} nibble_allocator;

/* Fill with nibble_session_options_init() before setting fields: fields
 * are only ever appended, and init sets the ones a caller does not know. */
typedef struct nibble_session_options {
  int32_t num_threads; /* 0: one per core; freestanding builds: 1 only */
  nibble_backend backend;
  /* Appended: where the session's memory (arena, op state, handle) comes
   * from; NULL (the default): malloc/free. Not inherited from the model. */
  const nibble_allocator* allocator;
  /* Appended: the fused kernels' level, at most (NULL: the best; see
   * SessionOptions::kernel_isa), and what they multiply weights with. */
  const char* kernel_isa;
  nibble_activation_precision activation_precision;
} nibble_session_options;

typedef struct nibble_model nibble_model;
typedef struct nibble_session nibble_session;

NIBBLE_API const char* nibble_status_string(nibble_status status);
NIBBLE_API const char* nibble_cpu_description(void);

/* The buffer must be 64-byte aligned and outlive the model. */
NIBBLE_API nibble_status nibble_model_load_buffer(const void* data, size_t size, nibble_model** model,
                                                  nibble_error* error);
/* The same, with the model's tables and handle taken from `allocator`
 * (NULL: malloc/free). The image itself is read in place, never copied. */
NIBBLE_API nibble_status nibble_model_load_buffer_with_allocator(const void* data, size_t size,
                                                                 const nibble_allocator* allocator,
                                                                 nibble_model** model, nibble_error* error);
/* Freestanding builds have no file system: NIBBLE_UNSUPPORTED. */
NIBBLE_API nibble_status nibble_model_load_file(const char* path, nibble_model** model, nibble_error* error);
NIBBLE_API void nibble_model_free(nibble_model* model);
NIBBLE_API size_t nibble_model_num_inputs(const nibble_model* model);
NIBBLE_API size_t nibble_model_num_outputs(const nibble_model* model);
NIBBLE_API nibble_status nibble_model_input_info(const nibble_model* model, size_t index, nibble_tensor_info* info);
NIBBLE_API nibble_status nibble_model_output_info(const nibble_model* model, size_t index, nibble_tensor_info* info);
NIBBLE_API uint64_t nibble_model_arena_bytes(const nibble_model* model);
NIBBLE_API uint64_t nibble_model_weight_bytes(const nibble_model* model);

NIBBLE_API void nibble_session_options_init(nibble_session_options* options);
/* The model must outlive the session. options may be NULL (defaults). */
NIBBLE_API nibble_status nibble_session_create(const nibble_model* model, const nibble_session_options* options,
                                               nibble_session** session, nibble_error* error);
NIBBLE_API void nibble_session_free(nibble_session* session);
/* Write input i here before running; read output i there after. */
NIBBLE_API float* nibble_session_input(nibble_session* session, size_t index);
NIBBLE_API const float* nibble_session_output(const nibble_session* session, size_t index);
NIBBLE_API nibble_status nibble_session_run(nibble_session* session, nibble_error* error);

/* Token models (nibble::Session in nibble.hpp has the full contract).
 * set_input / set_input_ids copy count values into input `index`; for a
 * sequence input count is n whole rows and sets the sequence length to n.
 * Each run processes sequence_length rows at positions position ..
 * position + rows - 1 of the session's key/value state and advances
 * position; reset starts a new sequence. max_sequence_length is 0 for
 * models without a sequence axis; max_positions is INT64_MAX when no op
 * limits it. */
NIBBLE_API int64_t nibble_model_max_sequence_length(const nibble_model* model);
NIBBLE_API nibble_status nibble_session_set_input(nibble_session* session, size_t index, const float* data,
                                                  size_t count, nibble_error* error);
NIBBLE_API nibble_status nibble_session_set_input_ids(nibble_session* session, size_t index, const int32_t* ids,
                                                      size_t count, nibble_error* error);
NIBBLE_API nibble_status nibble_session_set_sequence_length(nibble_session* session, int64_t rows,
                                                            nibble_error* error);
NIBBLE_API int64_t nibble_session_sequence_length(const nibble_session* session);
NIBBLE_API int64_t nibble_session_position(const nibble_session* session);
NIBBLE_API int64_t nibble_session_max_positions(const nibble_session* session);
NIBBLE_API void nibble_session_reset(nibble_session* session);

#ifdef __cplusplus
}
#endif

#endif /* NIBBLE_H_ */
