// The converter's safetensors reader on arbitrary bytes: header size,
// JSON header, dtypes, shapes and data offsets must all be validated, and
// every tensor the reader accepts must widen to float without reading
// outside the file. convert::Error is the expected rejection; any other
// exception escapes and libFuzzer reports it as a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "converter/convert.h"
#include "converter/hf/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nibble::convert::hf::SafetensorsFile;
  try {
    std::unique_ptr<SafetensorsFile> file =
        SafetensorsFile::parse("fuzz.safetensors", std::string(reinterpret_cast<const char*>(data), size));
    for (const auto& tensor : file->tensors()) {
      try {
        (void)file->read_float(tensor);
      } catch (const nibble::convert::Error&) {
        // Integer dtypes are refused; the next tensor may be a float one.
      }
    }
  } catch (const nibble::convert::Error&) {
  }
  return 0;
}
