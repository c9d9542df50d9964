// Arbitrary bytes as a model file: the FlatBuffers Verifier, the semantic
// checks and session creation must reject them with a status, never crash.
#include <cstddef>
#include <cstdint>

#include "model_exercise.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nibble::fuzz::exercise_model(data, size);
  return 0;
}
