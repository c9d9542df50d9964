// The C API's model handle, shared with the C APIs of runtime extensions
// (the tokenizer's nibble_tokenizer_create reads the Model inside).
#pragma once

#include "nibble/nibble.h"
#include "nibble/nibble.hpp"

struct nibble_model {
  nibble::Model model;
  nibble::Allocator allocator;  // of this handle
};
