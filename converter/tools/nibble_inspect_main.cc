// nibble-inspect MODEL.nbl [--json]: describes a .nbl file. Exit codes: 0
// ok, 1 unreadable or invalid file, 2 usage error.
#include <iostream>
#include <string>

#include "converter/convert.h"
#include "converter/inspect/model_inspector.h"
#include "nibble/nibble.hpp"

namespace {

constexpr const char* kUsage =
    "usage: nibble-inspect MODEL.nbl [--json]\n"
    "\n"
    "Verifies a nibble model file and prints its metadata, inputs and outputs,\n"
    "every operator, every constant and the totals.\n"
    "\n"
    "options:\n"
    "  --json      also print one JSON object on the last line\n"
    "  -h, --help  show this help\n";

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  bool json = false;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "nibble-inspect: unknown option '" << arg << "' (see nibble-inspect --help)\n";
      return 2;
    } else if (path.empty()) {
      path = arg;
    } else {
      std::cerr << "nibble-inspect: more than one file given (see nibble-inspect --help)\n";
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "nibble-inspect: no file given (see nibble-inspect --help)\n";
    return 2;
  }
  try {
    const auto r = nibble::convert::inspect_model_file(path);
    std::cout << r.text;
    // The description above only needs the FlatBuffers Verifier; the
    // runtime's loader applies every semantic check a device would.
    nibble::Result<nibble::Model> model = nibble::Model::load_file(path.c_str());
    if (!model.is_ok()) {
      std::cerr << "nibble-inspect: error: runtime rejects the model: " << model.status().message() << "\n";
      return 1;
    }
    std::cout << "runtime check: ok (arena " << model->arena_bytes() << " bytes)\n";
    std::cout << "cpu: " << nibble::cpu_description() << "\n";
    if (json) {
      std::string j = r.json;
      j.insert(j.size() - 1, std::string(",\"runtime_check\":\"ok\",\"cpu\":\"") + nibble::cpu_description() + "\"");
      std::cout << j << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "nibble-inspect: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
