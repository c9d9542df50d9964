// Regenerates the bad-model corpus: make_bad_models <dir> writes every
// file of bad_models() and MANIFEST.tsv into <dir> (tests/bad-models).
// nibble_bad_models_tests fails if the checked-in files differ from what
// this writes, so after changing bad_model_cases.cc, run it and commit.
#include <cstdio>
#include <fstream>
#include <string>

#include "bad_model_cases.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const auto models = nibble::testing::bad_models();
  for (const auto& m : models) {
    std::ofstream out(dir + "/" + m.file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(m.bytes.data()), static_cast<std::streamsize>(m.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), m.file.c_str());
      return 1;
    }
  }
  std::ofstream manifest(dir + "/MANIFEST.tsv", std::ios::binary | std::ios::trunc);
  manifest << nibble::testing::manifest_text(models);
  if (!manifest) {
    std::fprintf(stderr, "cannot write %s/MANIFEST.tsv\n", dir.c_str());
    return 1;
  }
  std::printf("wrote %zu bad models and MANIFEST.tsv to %s\n", models.size(), dir.c_str());
  return 0;
}
