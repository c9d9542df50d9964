// LINEAR, y[M, N] = clamp(x[M, K] W[N, K]^T + bias), picks one of four
// paths once per call from the weight's format and the session's level:
//
//   GEMM      M >= 2 and a SIMD GEMM kernel exists (kernels/gemm): a
//             decoded panel of W is reused by all M rows;
//   GEMM q8   the same with int8 activations (VNNI) where it has a kernel;
//   GEMV      otherwise one GEMV per row of x (batch-1 decoding is
//             bandwidth-bound: the case these kernels are built for, and
//             the SIMD level that exists on every ISA);
//   GEMV q8   the same with int8 activations.
// (choose_linear, once per session: run_linear only follows it.)
//
// Work is split into tasks of output-row ranges (and, for GEMV, rows of x);
// every kernel computes an output the same way whatever range it is in,
// so the result does not depend on the pool's size. int8 activations are
// quantized first (ggml's q8 rule, gemv_q8.h) into the workspace.
#include "backend/fused/fused_linear.h"

#include <cmath>
#include <cstdint>

#include "core/parallelize.h"
#include "gemm/gemm.h"
#include "gemv/gemv.h"
#include "gemv/gemv_q8.h"
#include "gemv/gemv_q8_rows4.h"

namespace nibble::fused {
namespace {

// GEMV output rows per task: a multiple of every kernel's row block, small
// enough that two threads balance on a 768-row layer, large enough that a
// task streams a good stretch of weights (prefetchers need a run-up).
// Without a pool (one thread) one task takes all rows (a multiple of 4
// but for the last): no tile rebuilt per 64 rows, no break in the stream
// (GPT-2-124M q4_0 int8 decoding, 4 runs each: median ~214 against ~200
// tokens/s).
constexpr int64_t kRowsPerTask = 64;

struct LinearShape {
  int64_t m, n, k;
};

LinearShape shape_of(const BoundOp& op) {
  return {op.inputs[0].dims[0], op.inputs[1].dims[0], op.inputs[1].dims[1]};
}

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

// GEMV q8 workspace: m views, then m quantized rows.
struct Q8Workspace {
  size_t views_bytes, row_bytes;
};

Q8Workspace q8_workspace(const LinearShape& s) {
  return {align64(static_cast<size_t>(s.m) * sizeof(gemv::Q8Activations)), align64(gemv::q8_activation_bytes(s.k))};
}

struct LinearTasks {
  const BoundOp* op;
  Isa isa;
  Kernel kernel;
  LinearShape shape;
  int64_t tasks_per_row;  // GEMV: output-row tasks per row of x
  int64_t rows_per_task;  // GEMV: output rows per task
  int64_t n_per_task;     // GEMM: outputs per task
  gemm::Epilogue epilogue;
  void* workspace;
  const gemv::Q8Activations* q8;  // GEMV q8: the m quantized rows of x
};

void clamp_range(float* y, int64_t begin, int64_t end, const Activation& a) {
  for (int64_t i = begin; i < end; ++i) {
    float v = y[i];
    v = v < a.min ? a.min : v;
    y[i] = v > a.max ? a.max : v;
  }
}

void gemv_task(void* context, size_t task) {
  const LinearTasks& t = *static_cast<const LinearTasks*>(context);
  const BoundOp& op = *t.op;
  const int64_t i = static_cast<int64_t>(task) / t.tasks_per_row;
  const int64_t r0 = static_cast<int64_t>(task) % t.tasks_per_row * t.rows_per_task;
  const int64_t r1 = r0 + t.rows_per_task < t.shape.n ? r0 + t.rows_per_task : t.shape.n;
  const codec::PackedWeights& w = *op.inputs[1].packed;
  float* y = op.outputs[0].data + i * t.shape.n;
  if (t.kernel == Kernel::kGemvQ8 && op.repacked_weight != nullptr) {
    gemv::gemv_q8_rows4(gemv::rows4_weights(w, op.repacked_weight), t.q8[i], t.epilogue.bias, y, r0, r1);
  } else if (t.kernel == Kernel::kGemvQ8) {
    gemv::gemv_q8_on(t.isa, w, t.q8[i], t.epilogue.bias, y, r0, r1);
  } else {
    gemv::gemv_on(t.isa, w, op.inputs[0].data + i * t.shape.k, t.epilogue.bias, y, r0, r1);
  }
  const Activation& a = op.params.linear.activation;
  if (a.min > -INFINITY || a.max < INFINITY) clamp_range(y, r0, r1, a);
}

void gemm_task(void* context, size_t task) {
  const LinearTasks& t = *static_cast<const LinearTasks*>(context);
  const BoundOp& op = *t.op;
  const int64_t n0 = static_cast<int64_t>(task) * t.n_per_task;
  const int64_t n1 = n0 + t.n_per_task < t.shape.n ? n0 + t.n_per_task : t.shape.n;
  const codec::PackedWeights& w = *op.inputs[1].packed;
  float* y = op.outputs[0].data;
  if (t.kernel == Kernel::kGemmQ8) {
    gemm::gemm_q8_on(t.isa, w, t.workspace, t.shape.m, t.epilogue, y, t.shape.n, n0, n1);
  } else {
    gemm::gemm_on(t.isa, w, op.inputs[0].data, t.shape.k, t.shape.m, t.epilogue, y, t.shape.n, n0, n1);
  }
}

struct QuantizeRows {
  const float* x;
  int64_t k;
  gemv::Q8Activations* views;
  uint8_t* rows;
  size_t row_bytes;
  Isa isa;
};

void quantize_row(void* context, size_t i) {
  const QuantizeRows& q = *static_cast<const QuantizeRows*>(context);
  q.views[i] = gemv::quantize_activations(q.isa, q.x + static_cast<int64_t>(i) * q.k, q.k, q.rows + i * q.row_bytes);
}

struct QuantizeGemmRows {
  const float* x;
  LinearShape shape;
  void* workspace;
  Isa isa;
};

void quantize_gemm_row(void* context, size_t i) {
  const QuantizeGemmRows& q = *static_cast<const QuantizeGemmRows*>(context);
  const int64_t r = static_cast<int64_t>(i);
  gemm::gemm_q8_prepare_rows(q.isa, q.x, q.shape.k, q.shape.m, q.shape.k, r, r + 1, q.workspace);
}

}  // namespace

Kernel choose_linear(const BoundOp& op, const Options& options) {
  const codec::PackedWeights& w = *op.inputs[1].packed;
  const bool batched = shape_of(op).m >= 2;
  if (options.int8_activations) {
    if (batched && gemm::has_gemm_q8_kernel(options.isa, w)) return Kernel::kGemmQ8;
    if (gemv::has_q8_kernel(options.isa, w)) return Kernel::kGemvQ8;
  }
  if (batched && gemm::has_gemm_kernel(options.isa, w)) return Kernel::kGemm;
  return Kernel::kGemv;
}

size_t linear_workspace_bytes(const BoundOp& op, Kernel kernel) {
  const LinearShape s = shape_of(op);
  switch (kernel) {
    case Kernel::kGemvQ8: {
      const Q8Workspace l = q8_workspace(s);
      return l.views_bytes + static_cast<size_t>(s.m) * l.row_bytes;
    }
    case Kernel::kGemmQ8: return gemm::gemm_q8_workspace_bytes(s.m, s.k);
    default: return 0;
  }
}

size_t linear_repacked_bytes(const BoundOp& op, Kernel kernel, Isa isa) {
  const codec::PackedWeights& w = *op.inputs[1].packed;
  if (kernel != Kernel::kGemvQ8 || !gemv::can_use_rows4(isa, w)) return 0;
  return align64(gemv::rows4_bytes(w));
}

void repack_linear_weight(const BoundOp& op, uint8_t* out) { gemv::repack_rows4(*op.inputs[1].packed, out); }

void run_linear(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool) {
  LinearTasks t;
  t.op = &op;
  t.isa = isa;
  t.kernel = kernel;
  t.shape = shape_of(op);
  t.rows_per_task = pool == nullptr ? (t.shape.n + 3) / 4 * 4 : kRowsPerTask;
  t.tasks_per_row = (t.shape.n + t.rows_per_task - 1) / t.rows_per_task;
  t.epilogue.bias = op.num_inputs == 3 ? op.inputs[2].data : nullptr;
  t.epilogue.min = op.params.linear.activation.min;
  t.epilogue.max = op.params.linear.activation.max;
  t.workspace = workspace;
  t.q8 = nullptr;
  switch (kernel) {
    case Kernel::kGemvQ8: {
      const Q8Workspace l = q8_workspace(t.shape);
      uint8_t* base = static_cast<uint8_t*>(workspace);
      QuantizeRows q{op.inputs[0].data, t.shape.k, reinterpret_cast<gemv::Q8Activations*>(base),
                     base + l.views_bytes, l.row_bytes, isa};
      parallelize_1d(pool, quantize_row, &q, static_cast<size_t>(t.shape.m), 0);
      t.q8 = q.views;
    }
      [[fallthrough]];
    case Kernel::kGemv:
      parallelize_1d(pool, gemv_task, &t, static_cast<size_t>(t.shape.m * t.tasks_per_row), 0);
      return;
    case Kernel::kGemmQ8: {
      QuantizeGemmRows q{op.inputs[0].data, t.shape, workspace, isa};
      parallelize_1d(pool, quantize_gemm_row, &q, static_cast<size_t>(t.shape.m), 0);
    }
      [[fallthrough]];
    case Kernel::kGemm: {
      // Tasks of whole panels; at least two per thread-sized share when N
      // allows, so two threads balance.
      const int64_t step = gemm::gemm_n_step();
      const int64_t panels = (t.shape.n + step - 1) / step;
      const int64_t per_task = panels >= 16 ? 2 : 1;
      t.n_per_task = per_task * step;
      const size_t tasks = static_cast<size_t>((panels + per_task - 1) / per_task);
      parallelize_1d(pool, gemm_task, &t, tasks, 0);
      return;
    }
    default: return;  // not a LINEAR kernel
  }
}

}  // namespace nibble::fused
