// A small JSON reader for the files the converter imports (config.json,
// safetensors headers, model.safetensors.index.json, vocab.json). Strict
// RFC 8259: no comments, no trailing commas, one top-level value; depth is
// limited so hostile files cannot exhaust the stack. Numbers keep their
// text so that integers (tensor offsets, token ids) are read exactly.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nibble::convert::json {

struct Value {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // kString: the decoded UTF-8; kNumber: the literal
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // file order

  bool is_object() const { return type == Type::kObject; }
  bool is_array() const { return type == Type::kArray; }
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
  bool is_bool() const { return type == Type::kBool; }
  bool is_null() const { return type == Type::kNull; }

  // The member named key of an object (the first one), or nullptr.
  const Value* find(const std::string& key) const;

  // The number as an exact integer: false if it has a fraction or
  // exponent, or does not fit.
  bool to_int64(int64_t* out) const;
  bool to_uint64(uint64_t* out) const;
  // Any number as a double (false if not a number).
  bool to_double(double* out) const;
};

const char* type_name(Value::Type type);  // "object", "string", ...

// Parses text; throws convert::Error("WHAT: invalid JSON at byte N: why").
// `what` names the source in messages (usually the file path).
Value parse(const std::string& text, const std::string& what, int max_depth = 64);

// Parses a prefix: the JSON value must span exactly `size` bytes starting
// at `data` (trailing spaces allowed, as safetensors pads its header).
Value parse(const char* data, size_t size, const std::string& what, int max_depth = 64);

}  // namespace nibble::convert::json
