// NIBBLE_WITH_PTHREADPOOL: hosted builds. A freestanding build (bare
// metal, RTOS) has no threads: its sessions run on the caller's thread.
#if NIBBLE_WITH_PTHREADPOOL
#include <pthreadpool.h>
#endif

#include <cstring>

#include "core/allocation.h"
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
  // creation), 0 if none.
  uint8_t* fused = nullptr;
  // The fused kernels' shared workspace (ops run one at a time).
  uint8_t* workspace = nullptr;
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
  free_array(s->allocator, s->workspace);
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
    s->fused[i] = static_cast<uint8_t>(kernel);
    ++s->num_fused_ops;
    const size_t bytes = fused::workspace_bytes(s->ops[i], kernel);
    workspace = bytes > workspace ? bytes : workspace;
  }
  if (workspace > 0) {
    s->workspace = static_cast<uint8_t*>(allocate_aligned(s->allocator, workspace, kSegmentAlignment));
    if (s->workspace == nullptr) {
      return NIBBLE_ERROR(kOutOfMemory, "no memory for the fused kernels' workspace (%zu bytes)", workspace);
    }
    s->allocated_bytes += workspace;
  }
  return Status::ok();
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
  if (s->arena == nullptr || s->ops == nullptr || s->xnn_ops == nullptr || s->fused == nullptr) {
    return NIBBLE_ERROR(kOutOfMemory, "no memory for a session (arena of %llu bytes, %u op states)",
                        static_cast<unsigned long long>(arena_bytes), s->num_ops);
  }
  s->allocated_bytes = arena_bytes + s->num_ops * (sizeof(BoundOp) + sizeof(void*) + 1);
  for (uint32_t i = 0; i < s->num_ops; ++i) {
    NIBBLE_RETURN_IF_ERROR(bind_op(*model, model->ops[i], s->arena, &s->ops[i]));
  }
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

Status Session::set_input(size_t index, const float* data, size_t count) {
  if (impl_ == nullptr) return NIBBLE_ERROR(kInvalidArgument, "session is empty (moved from?)");
  if (index >= impl_->model->num_inputs) {
    return NIBBLE_ERROR(kInvalidArgument, "input %zu out of range (%u inputs)", index, impl_->model->num_inputs);
  }
  const TensorDesc& d = impl_->model->tensors[impl_->model->inputs[index]];
  if (data == nullptr || count != d.numel) {
    return NIBBLE_ERROR(kInvalidArgument, "input '%s' takes %llu floats, got %zu", d.name,
                        static_cast<unsigned long long>(d.numel), data == nullptr ? 0 : count);
  }
  std::memcpy(input_data(index), data, count * sizeof(float));
  return Status::ok();
}

Status Session::run() {
  if (impl_ == nullptr) return NIBBLE_ERROR(kInvalidArgument, "session is empty (moved from?)");
  for (uint32_t i = 0; i < impl_->num_ops; ++i) {
#if NIBBLE_WITH_XNNPACK
    if (impl_->xnn_ops[i] != nullptr) {
      NIBBLE_RETURN_IF_ERROR(xnnpack::run(impl_->xnn_ops[i], impl_->pool));
      continue;
    }
#endif
#if NIBBLE_WITH_PTHREADPOOL
    if (impl_->fused[i] != 0) {
      fused::run(impl_->ops[i], impl_->isa, static_cast<fused::Kernel>(impl_->fused[i]), impl_->workspace,
                 impl_->pool);
      continue;
    }
#endif
    ref::run_op(impl_->ops[i]);
  }
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
