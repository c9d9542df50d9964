// LINEAR: each row of x is one GEMV over the encoded weight (batch-1
// decoding is bandwidth-bound, so that is the case the kernels are built
// for). The work is split into tasks of (x row, block of output rows);
// tasks are independent and each output is computed the same way in any
// task, so the result does not depend on the pool's size.
//
// int8 activations: every row of x is quantized first (ggml's q8 rule,
// gemv_q8.h) into the workspace, then the integer-dot-product kernels run.
#include "backend/fused/fused_linear.h"

#include <cmath>
#include <cstdint>

#include "gemv/gemv.h"
#include "gemv/gemv_q8.h"

namespace nibble::fused {
namespace {

// Output rows per task: a multiple of every kernel's row block, small
// enough that two threads balance on a 768-row layer, large enough that a
// task streams a good stretch of weights (prefetchers need a run-up).
constexpr int64_t kRowsPerTask = 64;

struct LinearShape {
  int64_t m, n, k;
};

LinearShape shape_of(const BoundOp& op) {
  return {op.inputs[0].dims[0], op.inputs[1].dims[0], op.inputs[1].dims[1]};
}

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

struct LinearTasks {
  const BoundOp* op;
  const Options* options;
  LinearShape shape;
  int64_t tasks_per_row;
  const gemv::Q8Activations* q8;  // int8 path: the m quantized rows of x
};

void clamp_range(float* y, int64_t begin, int64_t end, const Activation& a) {
  for (int64_t i = begin; i < end; ++i) {
    float v = y[i];
    v = v < a.min ? a.min : v;
    y[i] = v > a.max ? a.max : v;
  }
}

void run_task(void* context, size_t task) {
  const LinearTasks& t = *static_cast<const LinearTasks*>(context);
  const BoundOp& op = *t.op;
  const int64_t i = static_cast<int64_t>(task) / t.tasks_per_row;
  const int64_t r0 = static_cast<int64_t>(task) % t.tasks_per_row * kRowsPerTask;
  const int64_t r1 = r0 + kRowsPerTask < t.shape.n ? r0 + kRowsPerTask : t.shape.n;
  const codec::PackedWeights& w = *op.inputs[1].packed;
  const float* bias = op.num_inputs == 3 ? op.inputs[2].data : nullptr;
  float* y = op.outputs[0].data + i * t.shape.n;
  if (t.q8 != nullptr) {
    gemv::gemv_q8_on(t.options->isa, w, t.q8[i], bias, y, r0, r1);
  } else {
    gemv::gemv_on(t.options->isa, w, op.inputs[0].data + i * t.shape.k, bias, y, r0, r1);
  }
  const Activation& a = op.params.linear.activation;
  if (a.min > -INFINITY || a.max < INFINITY) clamp_range(y, r0, r1, a);
}

// Workspace of the int8 path: m views, then m quantized rows.
struct Q8Workspace {
  size_t views_bytes, row_bytes;
};

Q8Workspace q8_workspace(const LinearShape& s) {
  return {align64(static_cast<size_t>(s.m) * sizeof(gemv::Q8Activations)), align64(gemv::q8_activation_bytes(s.k))};
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

}  // namespace

bool linear_uses_int8(const BoundOp& op, const Options& options) {
  return options.int8_activations && gemv::has_q8_kernel(options.isa, *op.inputs[1].packed);
}

size_t linear_workspace_bytes(const BoundOp& op, const Options& options) {
  if (!linear_uses_int8(op, options)) return 0;
  const LinearShape s = shape_of(op);
  const Q8Workspace l = q8_workspace(s);
  return l.views_bytes + static_cast<size_t>(s.m) * l.row_bytes;
}

void run_linear(const BoundOp& op, const Options& options, void* workspace, pthreadpool_t pool) {
  LinearTasks t;
  t.op = &op;
  t.options = &options;
  t.shape = shape_of(op);
  t.tasks_per_row = (t.shape.n + kRowsPerTask - 1) / kRowsPerTask;
  t.q8 = nullptr;
  if (linear_uses_int8(op, options)) {
    const Q8Workspace l = q8_workspace(t.shape);
    uint8_t* base = static_cast<uint8_t*>(workspace);
    QuantizeRows q{op.inputs[0].data, t.shape.k, reinterpret_cast<gemv::Q8Activations*>(base), base + l.views_bytes,
                   l.row_bytes, options.isa};
    pthreadpool_parallelize_1d(pool, quantize_row, &q, static_cast<size_t>(t.shape.m), 0);
    t.q8 = q.views;
  }
  pthreadpool_parallelize_1d(pool, run_task, &t, static_cast<size_t>(t.shape.m * t.tasks_per_row), 0);
}

}  // namespace nibble::fused
