// Every file of the bad-model corpus (MANIFEST.tsv) is rejected with its
// exact status code and a message naming the fault, through from_buffer
// and load_file alike, and without the loader asking for more than a
// little memory (a tiny file declaring huge sizes must not allocate them).
// The checked-in files are exactly what make_bad_models writes.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bad_model_cases.h"
#include "nibble/nibble.hpp"
#include "test_model_builder.h"

namespace nibble {
namespace {

const std::string kDir = NIBBLE_BAD_MODELS_DIR;

struct ManifestEntry {
  std::string file;
  StatusCode code;
  std::string fragment;
  std::string description;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  const std::string text = read_text(path);
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::vector<ManifestEntry> read_manifest() {
  std::vector<ManifestEntry> entries;
  std::istringstream lines(read_text(kDir + "/MANIFEST.tsv"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) fields.push_back(cell);
    EXPECT_EQ(fields.size(), 4u) << "MANIFEST.tsv line: " << line;
    if (fields.size() != 4) continue;
    ManifestEntry e;
    e.file = fields[0];
    EXPECT_TRUE(testing::parse_status_code_identifier(fields[1], &e.code)) << "unknown status " << fields[1];
    e.fragment = fields[2];
    e.description = fields[3];
    entries.push_back(e);
  }
  return entries;
}

// Sums the bytes the loader asks for (its own tables; the image itself is
// the caller's).
struct CountingAllocator {
  uint64_t requested = 0;
  static void* allocate(void* context, size_t bytes, size_t alignment) {
    auto* self = static_cast<CountingAllocator*>(context);
    self->requested += bytes;
    return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  }
  static void deallocate(void* /*context*/, void* p) { std::free(p); }
  Allocator allocator() { return Allocator{allocate, deallocate, this}; }
};

constexpr uint64_t kMaxLoaderBytes = 1 << 20;

TEST(BadModels, ManifestListsEveryClass) {
  const std::vector<ManifestEntry> entries = read_manifest();
  // The list of classes plus a few more (see docs/HARDENING.md).
  EXPECT_GE(entries.size(), 40u);
  std::set<std::string> files;
  for (const ManifestEntry& e : entries) {
    EXPECT_TRUE(files.insert(e.file).second) << e.file << " listed twice";
    EXPECT_NE(e.code, StatusCode::kOk) << e.file;
    EXPECT_FALSE(e.fragment.empty()) << e.file;
  }
}

TEST(BadModels, FromBufferReturnsTheExpectedStatusWithoutLargeAllocations) {
  for (const ManifestEntry& e : read_manifest()) {
    SCOPED_TRACE(e.file + " (" + e.description + ")");
    const std::vector<uint8_t> bytes = read_bytes(kDir + "/" + e.file);
    ASSERT_FALSE(bytes.empty());
    testing::AlignedImage image = testing::aligned_copy(bytes);
    CountingAllocator counter;
    const Allocator allocator = counter.allocator();
    Result<Model> model = Model::from_buffer(image.data(), image.size, &allocator);
    ASSERT_FALSE(model.is_ok()) << "loaded";
    EXPECT_EQ(model.status().code(), e.code)
        << status_code_name(model.status().code()) << ": " << model.status().message();
    EXPECT_NE(std::strstr(model.status().message(), e.fragment.c_str()), nullptr)
        << "message '" << model.status().message() << "' should contain '" << e.fragment << "'";
    EXPECT_LT(counter.requested, kMaxLoaderBytes);
  }
}

TEST(BadModels, LoadFileReturnsTheExpectedStatusAndNamesThePath) {
  for (const ManifestEntry& e : read_manifest()) {
    SCOPED_TRACE(e.file + " (" + e.description + ")");
    const std::string path = kDir + "/" + e.file;
    Result<Model> model = Model::load_file(path.c_str());
    ASSERT_FALSE(model.is_ok()) << "loaded";
    EXPECT_EQ(model.status().code(), e.code)
        << status_code_name(model.status().code()) << ": " << model.status().message();
    EXPECT_NE(std::strstr(model.status().message(), e.fragment.c_str()), nullptr)
        << "message '" << model.status().message() << "' should contain '" << e.fragment << "'";
    EXPECT_NE(std::strstr(model.status().message(), e.file.c_str()), nullptr) << model.status().message();
  }
}

// The corpus cannot drift: regenerating it gives the same bytes, and the
// directory holds nothing the manifest does not describe.
TEST(BadModels, CheckedInCorpusIsTheGeneratorsOutput) {
  const std::vector<testing::BadModel> generated = testing::bad_models();
  EXPECT_EQ(read_text(kDir + "/MANIFEST.tsv"), testing::manifest_text(generated))
      << "run make_bad_models tests/bad-models and commit";
  std::set<std::string> listed;
  for (const testing::BadModel& m : generated) {
    listed.insert(m.file);
    EXPECT_EQ(read_bytes(kDir + "/" + m.file), m.bytes) << m.file << " differs from the generator's output";
  }
  const std::set<std::string> sources = {"CMakeLists.txt", "MANIFEST.tsv", "bad_model_cases.h", "bad_model_cases.cc",
                                         "make_bad_models.cc", "bad_models_test.cc"};
  DIR* dir = opendir(kDir.c_str());
  ASSERT_NE(dir, nullptr);
  int files = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    ++files;
    EXPECT_TRUE(listed.count(name) == 1 || sources.count(name) == 1) << name << " is not in MANIFEST.tsv";
  }
  closedir(dir);
  EXPECT_EQ(static_cast<size_t>(files), listed.size() + sources.size());
}

}  // namespace
}  // namespace nibble
