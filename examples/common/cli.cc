#include "common/cli.h"

#include <cstdio>
#include <cstdlib>

namespace nibble::examples {
namespace {

const char* g_program = "nibble";

}  // namespace

void set_program_name(const char* name) { g_program = name; }

void usage_error(const std::string& message) {
  std::fprintf(stderr, "%s: %s (see %s --help)\n", g_program, message.c_str(), g_program);
  std::exit(2);
}

void fail(const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", g_program, message.c_str());
  std::exit(1);
}

long parse_int(const std::string& flag, const char* text, long min) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min) usage_error(flag + " needs an integer >= " + std::to_string(min));
  return v;
}

float parse_float(const std::string& flag, const char* text, float min, float max) {
  char* end = nullptr;
  const float v = std::strtof(text, &end);
  if (end == text || *end != '\0' || !(v >= min && v <= max)) {
    usage_error(flag + " needs a number in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return v;
}

}  // namespace nibble::examples
