// Structure-aware model fuzzing: the mutator rewrites one scalar of a
// valid model (a dim, rank, bit width, scale, zero point, group size,
// segment offset or size, op input/output index, opcode, union tag,
// option value, graph input/output, data_size, codebook entry, tokenizer
// offset...) with an interesting value. The buffer's FlatBuffers layout is
// untouched, so the input passes the Verifier and the semantic checks and
// session creation see it. Inputs that no longer verify (libFuzzer's own
// cross-over, or a rewritten union tag) get a plain byte mutation.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "model_exercise.h"
#include "scalar_sites.h"
#include "schema/nibble_generated.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using nibble::fuzz::ScalarSite;

// Integer values that break a checker when it trusts them: the ends of
// every width (each site keeps the low bytes), sign flips, 2^31, 2^32,
// 2^63 (the offset+size wrap), and neighbours of the current value.
uint64_t interesting_integer(uint64_t old, std::minstd_rand& rng) {
  static const uint64_t kValues[] = {
      0, 1, 2, 3, 4, 7, 8, 16, 63, 64, 65, 255, 256, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
      0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL, 0x7fffffffffffffffULL,
      0x8000000000000000ULL, 0xffffffffffffffffULL, 0xfffffffffffffffeULL, 0xffffffffffffffc0ULL};
  switch (rng() % 4) {
    case 0: return old + 1;
    case 1: return old - 1;
    case 2: return old ^ (uint64_t{1} << (rng() % 64));
    default: return kValues[rng() % (sizeof(kValues) / sizeof(kValues[0]))];
  }
}

double interesting_float(double old, std::minstd_rand& rng) {
  static const double kValues[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<float>::max(),
                                   -std::numeric_limits<float>::max(),
                                   std::numeric_limits<float>::denorm_min(),
                                   1e-30,
                                   1e30};
  switch (rng() % 4) {
    case 0: return old * 2;
    case 1: return -old;
    default: return kValues[rng() % (sizeof(kValues) / sizeof(kValues[0]))];
  }
}

void rewrite(const ScalarSite& site, std::minstd_rand& rng) {
  const size_t width = nibble::fuzz::scalar_size(site.type);
  uint8_t* at = site.address + width * (rng() % site.count);
  if (site.type == reflection::Float) {
    float f;
    std::memcpy(&f, at, 4);
    f = static_cast<float>(interesting_float(f, rng));
    std::memcpy(at, &f, 4);
  } else if (site.type == reflection::Double) {
    double d;
    std::memcpy(&d, at, 8);
    d = interesting_float(d, rng);
    std::memcpy(at, &d, 8);
  } else {
    // Little-endian: the low `width` bytes of the 64-bit value.
    uint64_t v = 0;
    std::memcpy(&v, at, width);
    v = interesting_integer(v, rng);
    std::memcpy(at, &v, width);
  }
}

bool verifies(const uint8_t* data, size_t size) {
  if (size < 8 || reinterpret_cast<uintptr_t>(data) % 8 != 0) return false;
  uint32_t fb_size;
  std::memcpy(&fb_size, data, 4);
  if (fb_size > size - 4) return false;
  flatbuffers::Verifier verifier(data, 4 + size_t{fb_size});
  return nibble::fb::VerifySizePrefixedModelBuffer(verifier);
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  if (!verifies(data, size)) return LLVMFuzzerMutate(data, size, max_size);
  std::minstd_rand rng(seed);
  std::vector<ScalarSite> sites = nibble::fuzz::find_scalar_sites(data + 4);
  if (sites.empty()) return LLVMFuzzerMutate(data, size, max_size);
  rewrite(sites[rng() % sites.size()], rng);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nibble::fuzz::exercise_model(data, size);
  return 0;
}
