// NIBBLE_WITH_PTHREADPOOL: hosted builds. A freestanding build (bare
// metal, RTOS) has no threads: its sessions run on the caller's thread.
#if NIBBLE_WITH_PTHREADPOOL
#include <pthreadpool.h>
#endif

#include <cstring>

#include "core/allocation.h"
#include "core/checked_math.h"
#include "cpu/cpu_features.h"
#include "cpu/isa.h"
#include "loader/file_layout.h"
#include "loader/model_impl.h"
#include "ops/reference/reference_ops.h"
#include "session/op_binding.h"
#if NIBBLE_WITH_XNNPACK
#include "backend/xnnpack/xnnpack_backend.h"
#endif
#if NIBBLE_WITH_PTHREADPOOL
#include "backend/fused/fused_backend.h"
#endif

namespace nibble {

#if !NIBBLE_WITH_XNNPACK
namespace xnnpack {
struct XnnOp;
}
#endif

// Slack after the arena for kernels that read (never write) a little past
// the end of a tensor.
constexpr uint64_t kArenaTailBytes = 64;

struct Session::Impl {
  const Model::Impl* model = nullptr;
  Allocator allocator = {nullptr, nullptr, nullptr};  // this Impl and all below
  uint8_t* arena = nullptr;
#if NIBBLE_WITH_PTHREADPOOL
  pthreadpool_t pool = nullptr;
#endif
  BoundOp* ops = nullptr;
  xnnpack::XnnOp** xnn_ops = nullptr;  // null entry: fused or reference
  // Per op: the fused kernel that runs it (fused::Kernel, chosen at
  // creation), 0 if none. Ops on sequence tensors get two choices: for
  // one row (decoding: GEMV) and for more (prefill: GEMM); fused[i] is
  // the one for the current sequence length.
  uint8_t* fused = nullptr;
  uint8_t* fused_one_row = nullptr;
  uint8_t* fused_many_rows = nullptr;
  // Op state (ATTENTION's key/value caches), one block for all ops.
  uint8_t* state = nullptr;
  SequenceState sequence;
  int64_t max_positions = INT64_MAX;
  bool stateful = false;
  // The fused kernels' shared workspace (ops run one at a time).
  uint8_t* workspace = nullptr;
  // Weights repacked for their one-row kernels (fused::repack_weight).
  uint8_t* repacked = nullptr;
  Isa isa = Isa::kScalar;  // the fused kernels' level (kScalar if none)
  Isa isa_ceiling = Isa::kScalar;
  bool int8_activations = false;
  uint32_t num_ops = 0;
  uint32_t num_xnnpack_ops = 0;
  uint32_t num_fused_ops = 0;
  uint64_t allocated_bytes = 0;
};

struct SessionAccess {
  static Session make(Session::Impl* impl) { return Session(impl); }
};

namespace {

void destroy_impl(Session::Impl* s) {
  if (s == nullptr) return;
#if NIBBLE_WITH_XNNPACK
  if (s->xnn_ops != nullptr) {
    for (uint32_t i = 0; i < s->num_ops; ++i) xnnpack::destroy(s->xnn_ops[i]);
  }
#endif
  // Reverse order of allocation (see build()), for stack-like allocators.
  free_array(s->allocator, s->repacked);
  free_array(s->allocator, s->workspace);
  free_array(s->allocator, s->state);
  free_array(s->allocator, s->fused_many_rows);
  free_array(s->allocator, s->fused_one_row);
  free_array(s->allocator, s->fused);
  free_array(s->allocator, s->xnn_ops);
  free_array(s->allocator, s->ops);
  free_array(s->allocator, s->arena);
#if NIBBLE_WITH_PTHREADPOOL
  if (s->pool != nullptr) pthreadpool_destroy(s->pool);
#endif
  destroy_object(s->allocator, s);
}

#if NIBBLE_WITH_XNNPACK
// XNNPACK may read kInputTailBytes past the end of an input. The arena has
// that slack; a constant read in place from the model image needs it
// inside the image (a file that ends right after a constant, at a page
// boundary, would fault otherwise). Files from nibble-convert always have
// it; for others the op falls back to the reference.
bool constant_inputs_have_tail(const Model::Impl& model, const BoundOp& op) {
  const uint8_t* image_end = model.base + model.size;
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(op.inputs[k].data);
    if (p < model.base || p >= image_end) continue;  // in the arena
    const uint64_t bytes = static_cast<uint64_t>(op.inputs[k].numel()) * sizeof(float);
    if (static_cast<uint64_t>(image_end - p) < bytes + xnnpack::kInputTailBytes) return false;
  }
  return true;
}
#endif

[[maybe_unused]] bool has_sequence_tensor(const BoundOp& op) {
  for (int32_t k = 0; k < op.num_inputs; ++k) {
    if (op.inputs[k].sequence) return true;
  }
  return op.outputs[0].sequence;
}

// Sets dims[0] of the op's sequence views; false if it has none.
bool set_rows(BoundOp* op, int64_t rows) {
  bool any = false;
  for (int32_t k = 0; k < op->num_inputs; ++k) {
    if (!op->inputs[k].sequence) continue;
    op->inputs[k].dims[0] = rows;
    any = true;
  }
  for (int32_t k = 0; k < op->num_outputs; ++k) {
    if (!op->outputs[k].sequence) continue;
    op->outputs[k].dims[0] = rows;
    any = true;
  }
  return any;
}

// The highest level of this build's architecture: a kernel_isa option
// must be at or below it.
#if defined(__x86_64__) || defined(_M_X64)
constexpr Isa kArchitectureTop = Isa::kAvx512Vnni;
#elif defined(__aarch64__)
constexpr Isa kArchitectureTop = Isa::kNeonDot;
#else
constexpr Isa kArchitectureTop = Isa::kScalar;
#endif

// The kernel_isa option: a level name of this build's architecture.
Status check_kernel_isa(const SessionOptions& options, Isa* ceiling) {
  *ceiling = kArchitectureTop;
  if (options.kernel_isa == nullptr) return Status::ok();
  if (!parse_isa(options.kernel_isa, ceiling)) {
    return NIBBLE_ERROR(kInvalidArgument,
                        "kernel_isa '%s' is not a level (scalar, avx2, avx512, avx512vnni, neon, neondot)",
                        options.kernel_isa);
  }
  if (!isa_le(*ceiling, kArchitectureTop)) {
    return NIBBLE_ERROR(kInvalidArgument, "kernel_isa '%s' is for another architecture than this build's",
                        options.kernel_isa);
  }
  return Status::ok();
}

// The kernels' level: the CPU's best (lowered by NIBBLE_ISA: default_isa()),
// at most the option's. Asked only when a fused op exists: the first call
// reads the CPU (cpuinfo allocates once), which sessions without encoded
// weights never need.
[[maybe_unused]] Isa resolve_isa(Isa ceiling) {
  const Isa best = default_isa();
  return isa_le(best, ceiling) ? best : isa_at_most(ceiling);
}

#if NIBBLE_WITH_PTHREADPOOL
fused::Options fused_options(const Session::Impl* s) {
  fused::Options o;
  o.isa = s->isa;
  o.int8_activations = s->int8_activations;
  return o;
}
#endif

#if NIBBLE_WITH_PTHREADPOOL
// Bytes of op i's weight repacked for its one-row kernel (0: none).
size_t repacked_bytes(const Session::Impl* s, uint32_t i) {
  if (s->fused_one_row[i] == 0) return 0;
  return fused::repacked_weight_bytes(s->ops[i], static_cast<fused::Kernel>(s->fused_one_row[i]), s->isa);
}

// An op before `i` repacking the same weight (LINEARs sharing a tensor),
// or -1.
int64_t repacked_twin(const Session::Impl* s, uint32_t i) {
  for (uint32_t j = 0; j < i; ++j) {
    if (s->ops[j].inputs[1].packed == nullptr || s->ops[j].inputs[1].packed->data != s->ops[i].inputs[1].packed->data) {
      continue;
    }
    if (repacked_bytes(s, j) != 0) return j;
  }
  return -1;
}

// Weights whose one-row kernel reads a layout of its own are copied into
// it once, here: one block for all, a weight shared by several ops once.
// The model's bytes stay as they are (other kernels and sessions read them).
Status repack_weights(Session::Impl* s) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    if (repacked_bytes(s, i) != 0 && repacked_twin(s, i) < 0) total += repacked_bytes(s, i);
  }
  if (total == 0) return Status::ok();
  if (total > SIZE_MAX) {
    return NIBBLE_ERROR(kOutOfMemory, "repacked weights of %llu bytes", static_cast<unsigned long long>(total));
  }
  s->repacked =
      static_cast<uint8_t*>(allocate_uninitialized(s->allocator, static_cast<size_t>(total), kSegmentAlignment));
  if (s->repacked == nullptr) {
    return NIBBLE_ERROR(kOutOfMemory, "no memory for the weights repacked for the int8 GEMV (%llu bytes)",
                        static_cast<unsigned long long>(total));
  }
  s->allocated_bytes += total;
  uint64_t offset = 0;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    const size_t bytes = repacked_bytes(s, i);
    if (bytes == 0) continue;
    const int64_t twin = repacked_twin(s, i);
    if (twin >= 0) {
      s->ops[i].repacked_weight = s->ops[twin].repacked_weight;
      continue;
    }
    fused::repack_weight(s->ops[i], s->repacked + offset);
    s->ops[i].repacked_weight = s->repacked + offset;
    offset += bytes;
  }
  return Status::ok();
}
#endif

// Encoded LINEAR/CONV2D go to the fused kernels unless the caller asked
// for the reference backend; the workspace is sized for the largest op.
Status create_fused_ops(Session::Impl* s, Backend backend) {
#if NIBBLE_WITH_PTHREADPOOL
  if (backend == Backend::kReference) return Status::ok();
  bool any = false;
  for (uint32_t i = 0; i < s->num_ops && !any; ++i) {
    any = s->ops[i].num_inputs >= 2 && s->ops[i].inputs[1].packed != nullptr;
  }
  if (!any) return Status::ok();
  s->isa = resolve_isa(s->isa_ceiling);
  const fused::Options options = fused_options(s);
  size_t workspace = 0;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    const fused::Kernel kernel = fused::choose(s->ops[i], options);
    if (kernel == fused::Kernel::kNone) continue;
    s->fused[i] = s->fused_many_rows[i] = s->fused_one_row[i] = static_cast<uint8_t>(kernel);
    ++s->num_fused_ops;
    size_t bytes = fused::workspace_bytes(s->ops[i], kernel);
    workspace = bytes > workspace ? bytes : workspace;
    if (!has_sequence_tensor(s->ops[i])) continue;
    // The same op at one row: the kernel a decoding step runs.
    BoundOp one_row = s->ops[i];
    set_rows(&one_row, 1);
    const fused::Kernel single = fused::choose(one_row, options);
    s->fused_one_row[i] = static_cast<uint8_t>(single);
    bytes = fused::workspace_bytes(s->ops[i], single);  // at the maximum rows
    workspace = bytes > workspace ? bytes : workspace;
  }
  if (workspace > 0) {
    s->workspace = static_cast<uint8_t*>(allocate_aligned(s->allocator, workspace, kSegmentAlignment));
    if (s->workspace == nullptr) {
      return NIBBLE_ERROR(kOutOfMemory, "no memory for the fused kernels' workspace (%zu bytes)", workspace);
    }
    s->allocated_bytes += workspace;
  }
  return repack_weights(s);
#else
  (void)s;
  (void)backend;
  return Status::ok();
#endif
}

Status create_backend_ops(Session::Impl* s, Backend backend) {
  NIBBLE_RETURN_IF_ERROR(create_fused_ops(s, backend));
  if (backend == Backend::kReference) return Status::ok();
#if NIBBLE_WITH_XNNPACK
  NIBBLE_RETURN_IF_ERROR(xnnpack::initialize());
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    if (s->fused[i] != 0) continue;
    if (!xnnpack::supports(s->ops[i]) || !constant_inputs_have_tail(*s->model, s->ops[i])) continue;
    // Ops whose rows change per run need XNNPACK's setup again (cheap,
    // no allocation) when they do; only these are set up that way.
    if (has_sequence_tensor(s->ops[i]) && !xnnpack::supports_new_rows(s->ops[i])) continue;
    NIBBLE_RETURN_IF_ERROR(xnnpack::create(s->ops[i], s->pool, &s->xnn_ops[i]));
    ++s->num_xnnpack_ops;
  }
  return Status::ok();
#else
  (void)s;
  if (backend == Backend::kXnnpack) {
    return NIBBLE_ERROR(kUnsupported, "this build of nibble has no XNNPACK backend");
  }
  return Status::ok();
#endif
}

// One block for every op's state (each part 64-byte aligned), and the
// limit on positions the stateful ops impose. Not zeroed: ops write a
// position's state before reading it, and an untouched cache costs no
// resident memory.
Status create_op_state(Session::Impl* s) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    const int64_t limit = ref::position_limit(s->ops[i]);
    if (limit < s->max_positions) s->max_positions = limit;
    const uint64_t bytes = ref::state_bytes(s->ops[i]);
    uint64_t aligned = 0;
    if (bytes == 0) continue;
    if (!checked_align_up(bytes, kSegmentAlignment, &aligned) || !checked_add(total, aligned, &total)) {
      return NIBBLE_ERROR(kOverflow, "op '%s': its state size overflows", s->ops[i].name);
    }
  }
  s->stateful = s->max_positions != INT64_MAX;
  if (total == 0) return Status::ok();
  if (total > SIZE_MAX) return NIBBLE_ERROR(kOutOfMemory, "op state of %llu bytes", static_cast<unsigned long long>(total));
  s->state =
      static_cast<uint8_t*>(allocate_uninitialized(s->allocator, static_cast<size_t>(total), kSegmentAlignment));
  if (s->state == nullptr) {
    return NIBBLE_ERROR(kOutOfMemory, "no memory for the ops' state (key/value caches: %llu bytes)",
                        static_cast<unsigned long long>(total));
  }
  s->allocated_bytes += total;
  uint64_t offset = 0;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    const uint64_t bytes = ref::state_bytes(s->ops[i]);
    if (bytes == 0) continue;
    s->ops[i].state = reinterpret_cast<float*>(s->state + offset);
    uint64_t aligned = 0;
    checked_align_up(bytes, kSegmentAlignment, &aligned);  // checked above
    offset += aligned;
  }
  return Status::ok();
}

Status build(const Model::Impl* model, const SessionOptions& options, Session::Impl* s) {
  if (options.num_threads < 0) {
    return NIBBLE_ERROR(kInvalidArgument, "num_threads is %d; use 0 for one per core", options.num_threads);
  }
  if (options.backend < Backend::kDefault || options.backend > Backend::kXnnpack) {
    return NIBBLE_ERROR(kInvalidArgument, "unknown backend %d", static_cast<int>(options.backend));
  }
  if (options.activation_precision != ActivationPrecision::kF32 &&
      options.activation_precision != ActivationPrecision::kInt8) {
    return NIBBLE_ERROR(kInvalidArgument, "unknown activation precision %d",
                        static_cast<int>(options.activation_precision));
  }
  NIBBLE_RETURN_IF_ERROR(check_kernel_isa(options, &s->isa_ceiling));
  s->int8_activations = options.activation_precision == ActivationPrecision::kInt8;
  s->model = model;
  s->num_ops = model->num_ops;
  const int32_t threads = options.num_threads == 0 ? cpu_features().num_cores : options.num_threads;
#if NIBBLE_WITH_PTHREADPOOL
  if (threads > 1) {
    s->pool = pthreadpool_create(static_cast<size_t>(threads));
    if (s->pool == nullptr) return NIBBLE_ERROR(kBackendError, "cannot create a pool of %d threads", threads);
  }
#else
  if (threads > 1) {
    return NIBBLE_ERROR(kUnsupported,
                        "num_threads is %d, but this build of nibble has no thread pool (freestanding): use 1",
                        threads);
  }
#endif
  // The tail keeps reads just past the last tensor (XNNPACK's SIMD loads)
  // inside our allocation.
  const uint64_t arena_bytes = model->arena_bytes + kArenaTailBytes;
  s->arena = static_cast<uint8_t*>(allocate_aligned(s->allocator, arena_bytes, kSegmentAlignment));
  s->ops = s->arena != nullptr ? allocate_array<BoundOp>(s->allocator, s->num_ops) : nullptr;
  s->xnn_ops = s->ops != nullptr ? allocate_array<xnnpack::XnnOp*>(s->allocator, s->num_ops) : nullptr;
  s->fused = s->xnn_ops != nullptr ? allocate_array<uint8_t>(s->allocator, s->num_ops) : nullptr;
  s->fused_one_row = s->fused != nullptr ? allocate_array<uint8_t>(s->allocator, s->num_ops) : nullptr;
  s->fused_many_rows = s->fused_one_row != nullptr ? allocate_array<uint8_t>(s->allocator, s->num_ops) : nullptr;
  if (s->arena == nullptr || s->ops == nullptr || s->xnn_ops == nullptr || s->fused_many_rows == nullptr) {
    return NIBBLE_ERROR(kOutOfMemory, "no memory for a session (arena of %llu bytes, %u op states)",
                        static_cast<unsigned long long>(arena_bytes), s->num_ops);
  }
  s->allocated_bytes = arena_bytes + s->num_ops * (sizeof(BoundOp) + sizeof(void*) + 3);
  s->sequence.position = 0;
  s->sequence.rows = model->max_sequence;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    NIBBLE_RETURN_IF_ERROR(bind_op(*model, model->ops[i], s->arena, &s->sequence, &s->ops[i]));
  }
  NIBBLE_RETURN_IF_ERROR(create_op_state(s));
  return create_backend_ops(s, options.backend);
}

}  // namespace

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::kDefault: return "default";
    case Backend::kReference: return "reference";
    case Backend::kXnnpack: return "xnnpack";
  }
  return "unknown";
}

Result<Session> Session::create(const Model& model, const SessionOptions& options) {
  if (model.impl() == nullptr) return NIBBLE_ERROR(kInvalidArgument, "model is empty (moved from?)");
  if (options.allocator != nullptr && options.allocator->allocate == nullptr) {
    return NIBBLE_ERROR(kInvalidArgument, "session allocator has no allocate function");
  }
  const Allocator allocator = resolve_allocator(options.allocator);
  Impl* s = create_object<Impl>(allocator);
  if (s == nullptr) return NIBBLE_ERROR(kOutOfMemory, "no memory for a session");
  s->allocator = allocator;
  Status status = build(model.impl(), options, s);
  if (!status.is_ok()) {
    destroy_impl(s);
    return status;
  }
  return SessionAccess::make(s);
}

Session::Session(Session&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    destroy_impl(impl_);
    impl_ = other.impl_;
    other.impl_ = nullptr;
  }
  return *this;
}

Session::~Session() { destroy_impl(impl_); }

float* Session::input_data(size_t index) {
  if (impl_ == nullptr || index >= impl_->model->num_inputs) return nullptr;
  return tensor_view(*impl_->model, impl_->model->inputs[index], impl_->arena).data;
}

const float* Session::output_data(size_t index) const {
  if (impl_ == nullptr || index >= impl_->model->num_outputs) return nullptr;
  return tensor_view(*impl_->model, impl_->model->outputs[index], impl_->arena).data;
}

namespace {

// Checks count against input `index` of element type `int32` and copies
// it; a sequence input takes whole rows and sets the sequence length.
Status copy_input(Session& session, Session::Impl* s, size_t index, const void* data, size_t count, bool int32) {
  if (s == nullptr) return NIBBLE_ERROR(kInvalidArgument, "session is empty (moved from?)");
  if (index >= s->model->num_inputs) {
    return NIBBLE_ERROR(kInvalidArgument, "input %zu out of range (%u inputs)", index, s->model->num_inputs);
  }
  const TensorDesc& d = s->model->tensors[s->model->inputs[index]];
  const char* type = d.is_int32 ? "int32 token ids" : "floats";
  if (d.is_int32 != int32) {
    return NIBBLE_ERROR(kInvalidArgument, "input '%s' takes %s (use set_input%s)", d.name, type,
                        d.is_int32 ? "_ids" : "");
  }
  if (data == nullptr) return NIBBLE_ERROR(kInvalidArgument, "input '%s': data is null", d.name);
  if (d.sequence) {
    const uint64_t row = d.dims[0] > 0 ? d.numel / static_cast<uint64_t>(d.dims[0]) : 0;
    if (row == 0 || count == 0 || count % row != 0 || count / row > static_cast<uint64_t>(d.dims[0])) {
      return NIBBLE_ERROR(kInvalidArgument, "input '%s' takes 1 to %lld rows of %llu %s, got %zu %s", d.name,
                          static_cast<long long>(d.dims[0]), static_cast<unsigned long long>(row), type, count,
                          type);
    }
    NIBBLE_RETURN_IF_ERROR(session.set_sequence_length(static_cast<int64_t>(count / row)));
  } else if (count != d.numel) {
    return NIBBLE_ERROR(kInvalidArgument, "input '%s' takes %llu %s, got %zu", d.name,
                        static_cast<unsigned long long>(d.numel), type, count);
  }
  std::memcpy(s->arena + d.arena_offset, data, count * 4);
  return Status::ok();
}

}  // namespace

Status Session::set_input(size_t index, const float* data, size_t count) {
  return copy_input(*this, impl_, index, data, count, false);
}

Status Session::set_input_ids(size_t index, const int32_t* ids, size_t count) {
  return copy_input(*this, impl_, index, ids, count, true);
}

Status Session::set_sequence_length(int64_t rows) {
  Impl* s = impl_;
  if (s == nullptr) return NIBBLE_ERROR(kInvalidArgument, "session is empty (moved from?)");
  if (s->model->max_sequence == 0) return NIBBLE_ERROR(kInvalidArgument, "the model has no sequence axis");
  if (rows < 1 || rows > s->model->max_sequence) {
    return NIBBLE_ERROR(kInvalidArgument, "sequence length %lld is outside 1..%lld (the model's maximum rows per run)",
                        static_cast<long long>(rows), static_cast<long long>(s->model->max_sequence));
  }
  if (rows == s->sequence.rows) return Status::ok();
  s->sequence.rows = rows;
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    if (!set_rows(&s->ops[i], rows)) continue;
#if NIBBLE_WITH_PTHREADPOOL
    if (s->fused[i] != 0) s->fused[i] = rows == 1 ? s->fused_one_row[i] : s->fused_many_rows[i];
#endif
#if NIBBLE_WITH_XNNPACK
    if (s->xnn_ops[i] != nullptr) NIBBLE_RETURN_IF_ERROR(xnnpack::setup_new_rows(s->xnn_ops[i], s->ops[i], s->pool));
#endif
  }
  return Status::ok();
}

int64_t Session::sequence_length() const { return impl_ == nullptr ? 0 : impl_->sequence.rows; }

int64_t Session::position() const { return impl_ == nullptr ? 0 : impl_->sequence.position; }

int64_t Session::max_positions() const { return impl_ == nullptr ? 0 : impl_->max_positions; }

void Session::reset() {
  // The caches need no clearing: a run reads only positions it or an
  // earlier run of the same sequence wrote.
  if (impl_ != nullptr) impl_->sequence.position = 0;
}

Status Session::run() {
  Impl* s = impl_;
  if (s == nullptr) return NIBBLE_ERROR(kInvalidArgument, "session is empty (moved from?)");
  if (s->stateful && s->sequence.rows > s->max_positions - s->sequence.position) {
    return NIBBLE_ERROR(kOutOfRange,
                        "the sequence would reach %lld positions (%lld held + %lld new); the model holds at most %lld "
                        "(n_positions): reset() the session to start a new sequence",
                        static_cast<long long>(s->sequence.position + s->sequence.rows),
                        static_cast<long long>(s->sequence.position), static_cast<long long>(s->sequence.rows),
                        static_cast<long long>(s->max_positions));
  }
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    // Values only known now (token ids from the caller) are checked right
    // before the op that reads them.
    if (ref::needs_run_check(s->ops[i])) NIBBLE_RETURN_IF_ERROR(ref::check_run(s->ops[i]));
#if NIBBLE_WITH_XNNPACK
    if (s->xnn_ops[i] != nullptr) {
      NIBBLE_RETURN_IF_ERROR(xnnpack::run(s->xnn_ops[i], s->pool));
      continue;
    }
#endif
#if NIBBLE_WITH_PTHREADPOOL
    if (s->fused[i] != 0) {
      fused::run(s->ops[i], s->isa, static_cast<fused::Kernel>(s->fused[i]), s->workspace, s->pool);
      continue;
    }
#endif
    ref::run_op(s->ops[i]);
  }
  if (s->stateful) s->sequence.position += s->sequence.rows;
  return Status::ok();
}

const char* Session::op_backend(size_t op_index) const {
  if (impl_ == nullptr || op_index >= impl_->num_ops) return "";
  if (impl_->fused[op_index] != 0) return "fused";
  return impl_->xnn_ops[op_index] != nullptr ? "xnnpack" : "reference";
}

bool Session::op_int8_activations(size_t op_index) const {
#if NIBBLE_WITH_PTHREADPOOL
  return impl_ != nullptr && op_index < impl_->num_ops &&
         fused::uses_int8_activations(static_cast<fused::Kernel>(impl_->fused[op_index]));
#else
  (void)op_index;
  return false;
#endif
}

size_t Session::num_xnnpack_ops() const { return impl_ == nullptr ? 0 : impl_->num_xnnpack_ops; }

size_t Session::num_fused_ops() const { return impl_ == nullptr ? 0 : impl_->num_fused_ops; }

const char* Session::kernel_isa() const { return impl_ == nullptr ? "" : isa_name(impl_->isa); }

uint64_t Session::allocated_bytes() const { return impl_ == nullptr ? 0 : impl_->allocated_bytes; }

const char* cpu_description() { return cpu_features().description; }

}  // namespace nibble
