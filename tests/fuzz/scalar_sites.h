// Every scalar stored in a verified nibble model (table fields that are
// present, and elements of scalar vectors), found by walking the buffer
// with the schema's reflection data. The structure-aware fuzz target
// rewrites one of them in place: the FlatBuffers layout stays intact, so
// the result still passes the Verifier and reaches the loader's semantic
// checks, which is where a believed number becomes a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "flatbuffers/reflection_generated.h"

namespace nibble::fuzz {

struct ScalarSite {
  uint8_t* address;              // first element
  reflection::BaseType type;     // Bool .. Double (UType: a union's type tag)
  uint32_t count;                // 1 for a field; the length of a vector
};

// flatbuffer: the FlatBuffer after the size prefix, already verified.
std::vector<ScalarSite> find_scalar_sites(uint8_t* flatbuffer);

size_t scalar_size(reflection::BaseType type);

}  // namespace nibble::fuzz
