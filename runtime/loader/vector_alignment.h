// The FlatBuffers Verifier checks that a vector's length word is 4-byte
// aligned, not that its elements are aligned for their type: a [long]
// vector may start at 4 mod 8. Reading such an element is undefined
// behaviour, and on cores without unaligned 64-bit loads (Cortex-M7's
// LDRD) a fault. The loader checks 8-byte-element vectors with this
// before reading them (found by fuzz_model_loader). The model base is
// 64-byte aligned, so the address tells the offset's alignment too.
#pragma once

#include <cstdint>

#include "flatbuffers/flatbuffers.h"

namespace nibble {

template <typename T>
bool elements_aligned(const flatbuffers::Vector<T>* v) {
  // An empty vector has nothing to read, and writers leave its (absent)
  // elements unaligned: the converter's rank-0 shapes sit at 4 mod 8.
  return v == nullptr || v->size() == 0 || reinterpret_cast<uintptr_t>(v->data()) % alignof(T) == 0;
}

}  // namespace nibble
