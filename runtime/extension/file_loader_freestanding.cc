// Model::load_file in freestanding builds: there is no file system to map
// a file from. The function still exists (the C++ and C APIs are the same
// in every build, nibble_model_load_file included) and says what to do.
#include "loader/model_impl.h"

namespace nibble {

Result<Model> Model::load_file(const char* path) {
  return NIBBLE_ERROR(kUnsupported,
                      "%s: this is a freestanding build of nibble (no file system); embed the model "
                      "image and load it with Model::from_buffer",
                      path != nullptr ? path : "(null)");
}

}  // namespace nibble
