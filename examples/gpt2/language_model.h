// A token model behind nibble's public API: ids in, one row of logits per
// id out, positions kept by the session (its key/value cache). Prompts
// longer than the model's rows per run are fed in chunks.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "nibble/nibble.hpp"

namespace nibble::examples {

class LanguageModel {
 public:
  // Checks that the model is a token model: one I32 sequence input (ids),
  // one F32 sequence output [rows, vocab]. Throws std::runtime_error.
  LanguageModel(const Model& model, const SessionOptions& options);

  // Runs ids[0..n) at the next positions. For each id, each_row (if set)
  // sees its index and its row of logits (the prediction of the id that
  // follows it). Returns the last id's logits, valid until the next call.
  const float* feed(const int32_t* ids, size_t n,
                    const std::function<void(size_t, const float*)>& each_row = nullptr);

  void reset() { session_.reset(); }
  int64_t position() const { return session_.position(); }
  int64_t max_positions() const { return session_.max_positions(); }
  int64_t rows_per_run() const { return rows_per_run_; }
  size_t vocab() const { return vocab_; }
  Session& session() { return session_; }

 private:
  Session session_;
  int64_t rows_per_run_ = 0;
  size_t vocab_ = 0;
};

}  // namespace nibble::examples
