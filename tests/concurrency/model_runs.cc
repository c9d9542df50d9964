#include "model_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "common/cifar_reader.h"

namespace nibble::testing {

std::vector<float> resnet_logits(const Model& model, const SessionOptions& options) {
  Result<Session> session = Session::create(model, options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  // Read once per process, before any thread starts.
  static const examples::CifarFile cifar =
      examples::read_cifar(std::string(NIBBLE_FIXTURES_DIR) + "/cifar10_test_1000.bin");
  std::vector<float> out;
  for (int i = 0; i < kResnetImages; ++i) {
    examples::normalize_chw(cifar.image(i).planes, examples::kCifarPixels, session->input_data(0));
    const Status s = session->run();
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) return {};
    out.insert(out.end(), session->output_data(0), session->output_data(0) + 10);
  }
  return out;
}

std::vector<float> gpt2_logits(const Model& model, const SessionOptions& options) {
  Result<Session> session = Session::create(model, options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  const size_t vocab = static_cast<size_t>(model.output(0).dims[1]);
  // Any ids below the fixture's vocabulary of 2048 will do.
  std::vector<int32_t> ids = {17, 402, 1033, 7, 250, 1999, 64, 3};
  std::vector<float> out;
  for (int step = 0; step <= kGpt2DecodeSteps; ++step) {
    Status s = session->set_input_ids(0, ids.data(), ids.size());
    if (s.is_ok()) s = session->run();
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) return {};
    const float* logits = session->output_data(0);
    out.insert(out.end(), logits, logits + ids.size() * vocab);
    const float* last = logits + (ids.size() - 1) * vocab;
    ids = {static_cast<int32_t>(std::max_element(last, last + vocab) - last)};
  }
  return out;
}

}  // namespace nibble::testing
