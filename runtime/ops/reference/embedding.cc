// Embedding: inputs {ids [S] (int32), table [V, E]} -> [S, E]; row i is
// table[ids[i]], or table[position + i] when positional (learned position
// embeddings: the ids then only give the row count). The table is raw f32
// or encoded (TensorView::packed): encoded rows are decoded straight into
// the output by kernels/embedding, never through a decoded copy.
//
// ids come from the user, so they are checked at run time (check_run,
// before run_op); a positional row is below V because the session keeps
// position + rows <= position_limit(op) = V.
#include <cstring>

#include "embedding/embedding.h"
#include "ops/reference/op_checks.h"

namespace nibble::ref {

namespace {

// ids share the float slot of TensorView (op_params.h): 4 bytes, aligned
// as float.
const int32_t* ids_of(const TensorView& ids) { return reinterpret_cast<const int32_t*>(ids.data); }

}  // namespace

Status check_embedding(const BoundOp& op) {
  NIBBLE_RETURN_IF_ERROR(check_arity(op, 2, 2));
  const TensorView& ids = op.inputs[0];
  const TensorView& table = op.inputs[1];
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, ids, "ids", 1, 1));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, table, "table", 2, 2));
  NIBBLE_RETURN_IF_ERROR(check_tensor(op, op.outputs[0], "output", 2, 2));
  if (table.packed != nullptr &&
      (table.packed->layout.rows != table.dims[0] || table.packed->layout.cols != table.dims[1])) {
    return NIBBLE_OP_ERROR(kMalformed, "encoded table is %lldx%lld but the tensor is %s",
                           static_cast<long long>(table.packed->layout.rows),
                           static_cast<long long>(table.packed->layout.cols), format_dims(table.dims, 2).text);
  }
  const int64_t expected[2] = {ids.dims[0], table.dims[1]};
  return check_output_shape(op, expected, 2);
}

Status check_embedding_ids(const BoundOp& op) {
  const int32_t* ids = ids_of(op.inputs[0]);
  const int64_t rows = op.inputs[0].dims[0];
  const int64_t table_rows = op.inputs[1].dims[0];
  for (int64_t i = 0; i < rows; ++i) {
    if (ids[i] < 0 || ids[i] >= table_rows) {
      return NIBBLE_OP_ERROR(kOutOfRange, "token id %d at row %lld is outside the table's %lld rows", ids[i],
                             static_cast<long long>(i), static_cast<long long>(table_rows));
    }
  }
  return Status::ok();
}

void run_embedding(const BoundOp& op) {
  const TensorView& ids = op.inputs[0];
  const TensorView& table = op.inputs[1];
  float* out = op.outputs[0].data;
  const int64_t rows = ids.dims[0];  // this run's rows (the session sets dims[0])
  const int64_t width = table.dims[1];
  if (op.params.embedding.positional) {
    const int64_t first = op.sequence != nullptr ? op.sequence->position : 0;
    // The session keeps position + rows <= V (position_limit); checked
    // again, once per run, so no misuse reads outside the table.
    if (first < 0 || first > table.dims[0] - rows) return;
    if (table.packed != nullptr) {
      for (int64_t i = 0; i < rows; ++i) codec::decode_row(*table.packed, first + i, out + i * width);
    } else {
      // Consecutive rows: one copy.
      std::memcpy(out, table.data + first * width, static_cast<size_t>(rows * width) * sizeof(float));
    }
    return;
  }
  const int32_t* id = ids_of(ids);
  if (table.packed != nullptr) {
    // Ids were checked by check_run; lookup checks them again and would
    // leave the output untouched rather than read outside the table.
    embedding::lookup(*table.packed, id, rows, out);
    return;
  }
  for (int64_t i = 0; i < rows; ++i) {
    // check_run rejected such an id; never read outside the table anyway
    // (one compare per row, not per element).
    if (id[i] < 0 || id[i] >= table.dims[0]) continue;
    std::memcpy(out + i * width, table.data + static_cast<int64_t>(id[i]) * width,
                static_cast<size_t>(width) * sizeof(float));
  }
}

}  // namespace nibble::ref
