// Writes the runtime tests' small hand-built models (tests/runtime
// builders) as fuzz seeds: the one-LINEAR+CLAMP model, the same with an
// embedded tokenizer table, as a token model, and a one-op LINEAR under every codec family.
// They are tiny, so the fuzz targets also run() them, and between them they
// hold every codec table and field the loader checks.
// Usage: fuzz_seed_models OUT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "encoded_cases.h"
#include "test_model_builder.h"

namespace {

bool write(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  using namespace nibble::testing;
  const std::string dir = argv[1];
  bool ok = write(dir + "/linear_clamp.nbl", build_model());
  Knobs with_tokenizer;
  with_tokenizer.write_tokenizer = true;
  with_tokenizer.tokenizer = byte_level_tokenizer();
  ok = ok && write(dir + "/linear_clamp_tokenizer.nbl", build_model(with_tokenizer));
  // A token model (the sequence axis on x, y, z) reaches the sequence
  // rules, which the converted GPT-2 seed (over libFuzzer's default 1 MiB
  // input limit) may not.
  Knobs sequence;
  sequence.x_shape = {4, 4};
  sequence.y_shape = {4, 3};
  sequence.sequence = {true, false, false, true, true};
  sequence.write_plan = false;  // planned by the loader: the plan depends on the rows
  ok = ok && write(dir + "/linear_clamp_sequence.nbl", build_model(sequence));
  for (const Case& c : kCases) {
    ok = ok && write(dir + "/linear_" + c.name + ".nbl", build_encoded_linear(build(c).spec));
  }
  if (!ok) std::fprintf(stderr, "fuzz_seed_models: cannot write to %s\n", dir.c_str());
  return ok ? 0 : 1;
}
