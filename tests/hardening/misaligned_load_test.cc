// A model image at base+1 .. base+63 (a 64-byte aligned base) is refused
// with kMisaligned by from_buffer, which reads weights in place and never
// copies; nothing is read through a misaligned pointer (no SIGBUS on
// strict-alignment CPUs). load_file of the same bytes maps them
// page-aligned and loads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "nibble/nibble.hpp"
#include "sweep_models.h"
#include "sweep_support.h"

namespace nibble {
namespace {

class MisalignedLoad : public ::testing::TestWithParam<const char*> {};

TEST_P(MisalignedLoad, FromBufferRefusesEveryShiftAndLoadFileWorks) {
  const std::vector<uint8_t> bytes = testing::sweep_model_bytes(GetParam());
  ASSERT_FALSE(bytes.empty());
  for (size_t shift = 0; shift < 64; ++shift) {
    testing::ExactBuffer buffer(bytes.size(), shift);
    std::memcpy(buffer.data(), bytes.data(), bytes.size());
    Result<Model> model = Model::from_buffer(buffer.data(), bytes.size());
    if (shift == 0) {
      EXPECT_TRUE(model.is_ok()) << model.status().message();
      continue;
    }
    ASSERT_FALSE(model.is_ok()) << "loaded at base+" << shift;
    EXPECT_EQ(model.status().code(), StatusCode::kMisaligned) << "base+" << shift << ": " << model.status().message();
    EXPECT_NE(std::strstr(model.status().message(), "aligned"), nullptr) << model.status().message();
  }
  // Per-process name: ctest runs the cases of this binary concurrently.
  const std::string path = ::testing::TempDir() + "/misaligned_" + GetParam() + "_" + std::to_string(getpid()) + ".nbl";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  Result<Model> mapped = Model::load_file(path.c_str());
  EXPECT_TRUE(mapped.is_ok()) << mapped.status().message();
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, MisalignedLoad, ::testing::ValuesIn(testing::kSweepModels),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace nibble
