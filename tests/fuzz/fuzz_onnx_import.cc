// The ONNX importer (protobuf parse, onnx::checker, shape inference, graph
// construction) on arbitrary bytes. The importer turns every rejection,
// including the ONNX library's own exceptions, into convert::Error; any
// other exception escaping is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "converter/convert.h"
#include "converter/onnx/onnx_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A directory that does not exist: external-data references resolve
  // against it and must fail cleanly instead of reading the host's files.
  static const std::string kPath = "/nonexistent-nibble-fuzz/model.onnx";
  try {
    nibble::convert::ConvertOptions options;
    (void)nibble::convert::import_onnx(kPath, std::string(reinterpret_cast<const char*>(data), size), options);
  } catch (const nibble::convert::Error&) {
  }
  return 0;
}
