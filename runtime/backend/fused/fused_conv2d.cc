// CONV2D: kernels/conv splits the output into tasks (tiles of pixels x
// output channels) whose results do not depend on which thread runs them.
// Before the tasks, prepare() runs once (what the f32 kernels need from
// the input), or the int8 path quantizes the input, split over the pool
// by ranges of pixels (the same bytes as one call).
#include "backend/fused/fused_conv2d.h"

#include <cmath>

#include "conv/conv2d.h"
#include "core/parallelize.h"

namespace nibble::fused {
namespace {

conv::Geometry geometry_of(const BoundOp& op) {
  const TensorView& x = op.inputs[0];
  const TensorView& w = op.inputs[1];
  const TensorView& y = op.outputs[0];
  const Conv2dParams& p = op.params.conv2d;
  conv::Geometry g;
  g.batch = x.dims[0];
  g.in_h = x.dims[1];
  g.in_w = x.dims[2];
  g.in_c = x.dims[3];
  g.out_h = y.dims[1];
  g.out_w = y.dims[2];
  g.out_c = w.dims[0];
  g.kernel_h = p.window.kernel_h;
  g.kernel_w = p.window.kernel_w;
  g.stride_h = p.window.stride_h;
  g.stride_w = p.window.stride_w;
  g.dilation_h = p.window.dilation_h;
  g.dilation_w = p.window.dilation_w;
  g.pad_top = p.window.pad_top;
  g.pad_left = p.window.pad_left;
  g.groups = p.groups;
  return g;
}

gemm::Epilogue epilogue_of(const BoundOp& op) {
  gemm::Epilogue e;
  e.bias = op.num_inputs == 3 ? op.inputs[2].data : nullptr;
  e.min = op.params.conv2d.activation.min;
  e.max = op.params.conv2d.activation.max;
  return e;
}

struct ConvTasks {
  const BoundOp* op;
  Isa isa;
  bool int8;
  conv::Geometry g;
  gemm::Epilogue e;
  void* workspace;
};

void run_task(void* context, size_t task) {
  const ConvTasks& t = *static_cast<const ConvTasks*>(context);
  const int64_t i = static_cast<int64_t>(task);
  const codec::PackedWeights& w = *t.op->inputs[1].packed;
  if (t.int8) {
    conv::conv2d_q8_on(t.isa, t.g, w, t.workspace, t.e, t.op->outputs[0].data, i, i + 1);
  } else {
    conv::conv2d_on(t.isa, t.g, w, t.op->inputs[0].data, t.e, t.op->outputs[0].data, t.workspace, i, i + 1);
  }
}

// Quantizing the input for the int8 path: units of pixels per task.
constexpr int64_t kPixelsPerPrepareTask = 256;

struct PrepareTasks {
  const ConvTasks* conv;
  const float* x;
  int64_t units;
};

void prepare_task(void* context, size_t task) {
  const PrepareTasks& p = *static_cast<const PrepareTasks*>(context);
  const int64_t begin = static_cast<int64_t>(task) * kPixelsPerPrepareTask;
  const int64_t end = begin + kPixelsPerPrepareTask < p.units ? begin + kPixelsPerPrepareTask : p.units;
  conv::q8_prepare_range(p.conv->isa, p.conv->g, p.x, p.conv->workspace, begin, end);
}

}  // namespace

Kernel choose_conv2d(const BoundOp& op, const Options& options) {
  const bool int8 = options.int8_activations && conv::has_q8_kernel(options.isa, geometry_of(op), *op.inputs[1].packed);
  return int8 ? Kernel::kConv2dQ8 : Kernel::kConv2d;
}

size_t conv2d_workspace_bytes(const BoundOp& op, Kernel kernel) {
  const conv::Geometry g = geometry_of(op);
  return kernel == Kernel::kConv2dQ8 ? conv::q8_workspace_bytes(g) : conv::workspace_bytes(g);
}

void run_conv2d(const BoundOp& op, Isa isa, Kernel kernel, void* workspace, pthreadpool_t pool) {
  ConvTasks t;
  t.op = &op;
  t.isa = isa;
  t.int8 = kernel == Kernel::kConv2dQ8;
  t.g = geometry_of(op);
  t.e = epilogue_of(op);
  t.workspace = workspace;
  if (t.int8) {
    PrepareTasks p{&t, op.inputs[0].data, conv::q8_prepare_units(t.g)};
    const size_t tasks = static_cast<size_t>((p.units + kPixelsPerPrepareTask - 1) / kPixelsPerPrepareTask);
    parallelize_1d(pool, prepare_task, &p, tasks, 0);
  } else {
    conv::prepare(t.isa, t.g, op.inputs[0].data, workspace);
  }
  parallelize_1d(pool, run_task, &t, static_cast<size_t>(conv::num_tasks(t.g)), 0);
}

}  // namespace nibble::fused
