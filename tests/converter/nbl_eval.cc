#include "tests/converter/nbl_eval.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "gtest/gtest.h"
#include "nibble/nibble.hpp"

namespace nibble::test {

std::vector<EvalTensor> eval_nbl(const std::string& file_bytes, const std::vector<EvalTensor>& inputs) {
  // The runtime reads weights in place and wants a 64-byte aligned image.
  const size_t rounded = (file_bytes.size() + 63) / 64 * 64;
  std::unique_ptr<void, decltype(&std::free)> image(std::aligned_alloc(64, rounded), std::free);
  std::memcpy(image.get(), file_bytes.data(), file_bytes.size());

  Result<Model> model = Model::from_buffer(image.get(), file_bytes.size());
  if (!model.is_ok()) {
    ADD_FAILURE() << "runtime refused the model: " << model.status().message();
    return {};
  }
  SessionOptions options;
  options.backend = Backend::kReference;
  Result<Session> session = Session::create(model.value(), options);
  if (!session.is_ok()) {
    ADD_FAILURE() << "runtime refused a session: " << session.status().message();
    return {};
  }
  if (inputs.size() != model->num_inputs()) {
    ADD_FAILURE() << "model has " << model->num_inputs() << " inputs, test gave " << inputs.size();
    return {};
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    Status status = session->set_input(i, inputs[i].data.data(), inputs[i].data.size());
    if (!status.is_ok()) {
      ADD_FAILURE() << status.message();
      return {};
    }
  }
  Status status = session->run();
  if (!status.is_ok()) {
    ADD_FAILURE() << "run: " << status.message();
    return {};
  }
  std::vector<EvalTensor> outputs;
  for (size_t i = 0; i < model->num_outputs(); ++i) {
    const TensorInfo info = model->output(i);
    EvalTensor t;
    t.shape.assign(info.dims, info.dims + info.rank);
    t.data.assign(session->output_data(i), session->output_data(i) + info.numel);
    outputs.push_back(std::move(t));
  }
  return outputs;
}

}  // namespace nibble::test
