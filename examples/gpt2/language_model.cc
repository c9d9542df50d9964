#include "gpt2/language_model.h"

#include <algorithm>

namespace nibble::examples {
namespace {

Session create_session(const Model& model, const SessionOptions& options) {
  Result<Session> session = Session::create(model, options);
  if (!session.is_ok()) throw std::runtime_error(session.status().message());
  return std::move(session.value());
}

}  // namespace

LanguageModel::LanguageModel(const Model& model, const SessionOptions& options)
    : session_(create_session(model, options)) {
  if (model.num_inputs() != 1 || model.num_outputs() != 1) {
    throw std::runtime_error("not a token model: it needs one input (ids) and one output (logits)");
  }
  const TensorInfo in = model.input(0);
  const TensorInfo out = model.output(0);
  if (in.type != ElementType::kI32 || !in.sequence || in.rank != 1) {
    throw std::runtime_error(std::string("not a token model: input '") + in.name + "' must be I32 ids [tokens]");
  }
  if (!out.sequence || out.rank != 2) {
    throw std::runtime_error(std::string("not a token model: output '") + out.name + "' must be logits [tokens, vocab]");
  }
  rows_per_run_ = model.max_sequence_length();
  vocab_ = static_cast<size_t>(out.dims[1]);
}

const float* LanguageModel::feed(const int32_t* ids, size_t n,
                                 const std::function<void(size_t, const float*)>& each_row) {
  const float* logits = session_.output_data(0);
  const float* last = nullptr;
  for (size_t start = 0; start < n;) {
    const size_t rows = std::min(n - start, static_cast<size_t>(rows_per_run_));
    Status status = session_.set_input_ids(0, ids + start, rows);
    if (status.is_ok()) status = session_.run();
    if (!status.is_ok()) throw std::runtime_error(status.message());
    if (each_row) {
      for (size_t r = 0; r < rows; ++r) each_row(start + r, logits + r * vocab_);
    }
    last = logits + (rows - 1) * vocab_;
    start += rows;
  }
  return last;
}

}  // namespace nibble::examples
