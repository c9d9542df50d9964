// What every example's command line shares: the program name in
// messages, exit code 2 with a pointer to --help for bad options, 1 with
// "error:" for failures, and checked number parsing.
#pragma once

#include <string>
#include <utility>

#include "nibble/nibble.hpp"

namespace nibble::examples {

// Names the program in messages ("resnet", "gpt2"); call first in main.
void set_program_name(const char* name);

[[noreturn]] void usage_error(const std::string& message);  // exit 2
[[noreturn]] void fail(const std::string& message);         // exit 1

// flag's value as an integer >= min, else usage_error.
long parse_int(const std::string& flag, const char* text, long min);
// flag's value as a number in [min, max], else usage_error.
float parse_float(const std::string& flag, const char* text, float min, float max);

// The value of an ok Result; fail() with its message otherwise.
template <typename T>
T check(Result<T>&& result) {
  if (!result.is_ok()) fail(result.status().message());
  return std::move(result.value());
}

}  // namespace nibble::examples
