#include "converter/util/json.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "converter/convert.h"

namespace nibble::convert::json {
namespace {

class Parser {
 public:
  Parser(const char* data, size_t size, const std::string& what, int max_depth)
      : p_(data), size_(size), what_(what), max_depth_(max_depth) {}

  Value parse_document() {
    skip_space();
    Value v = parse_value(0);
    skip_space();
    if (pos_ != size_) fail("unexpected data after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(what_ + ": invalid JSON at byte " + std::to_string(pos_) + ": " + why);
  }

  bool at_end() const { return pos_ >= size_; }
  char peek() const { return at_end() ? '\0' : p_[pos_]; }

  void skip_space() {
    while (!at_end() && (p_[pos_] == ' ' || p_[pos_] == '\t' || p_[pos_] == '\n' || p_[pos_] == '\r')) ++pos_;
  }

  void expect_literal(const char* word) {
    const size_t n = std::strlen(word);
    if (size_ - pos_ < n || std::memcmp(p_ + pos_, word, n) != 0) fail(std::string("expected '") + word + "'");
    pos_ += n;
  }

  Value parse_value(int depth) {
    if (depth > max_depth_) fail("nested deeper than " + std::to_string(max_depth_) + " levels");
    if (at_end()) fail("unexpected end of input");
    Value v;
    switch (p_[pos_]) {
      case '{': parse_object(&v, depth); break;
      case '[': parse_array(&v, depth); break;
      case '"':
        v.type = Value::Type::kString;
        v.text = parse_string();
        break;
      case 't':
        expect_literal("true");
        v.type = Value::Type::kBool;
        v.boolean = true;
        break;
      case 'f':
        expect_literal("false");
        v.type = Value::Type::kBool;
        break;
      case 'n': expect_literal("null"); break;
      default:
        v.type = Value::Type::kNumber;
        v.text = parse_number();
        break;
    }
    return v;
  }

  void parse_object(Value* v, int depth) {
    v->type = Value::Type::kObject;
    ++pos_;  // '{'
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      if (peek() != '"') fail("expected a member name string");
      std::string key = parse_string();
      skip_space();
      if (peek() != ':') fail("expected ':' after member name");
      ++pos_;
      skip_space();
      v->object.emplace_back(std::move(key), parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in object");
    }
  }

  void parse_array(Value* v, int depth) {
    v->type = Value::Type::kArray;
    ++pos_;  // '['
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      v->array.push_back(parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return;
      }
      fail("expected ',' or ']' in array");
    }
  }

  static void append_utf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  uint32_t parse_hex4() {
    if (size_ - pos_ < 4) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        fail("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  // Strings are kept as the bytes between the quotes with escapes
  // decoded; raw bytes are not re-validated as UTF-8 (vocab files carry
  // what they carry), but control characters must be escaped.
  std::string parse_string() {
    ++pos_;  // '"'
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = p_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_end()) fail("unterminated escape");
      const char e = p_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low one.
            if (size_ - pos_ < 2 || p_[pos_] != '\\' || p_[pos_ + 1] != 'u') fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            const uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(&out, cp);
          break;
        }
        default: fail(std::string("unknown escape \\") + e);
      }
    }
  }

  std::string parse_number() {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      fail("expected a value");
    }
    if (peek() == '.') {
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("expected digits after '.'");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("expected digits in exponent");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    return std::string(p_ + start, pos_ - start);
  }

  const char* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& what_;
  int max_depth_;
};

bool is_plain_integer(const std::string& t) { return t.find_first_of(".eE") == std::string::npos; }

}  // namespace

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool Value::to_int64(int64_t* out) const {
  if (type != Type::kNumber || !is_plain_integer(text)) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  *out = v;
  return true;
}

bool Value::to_uint64(uint64_t* out) const {
  if (type != Type::kNumber || !is_plain_integer(text) || text[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  *out = v;
  return true;
}

bool Value::to_double(double* out) const {
  if (type != Type::kNumber) return false;
  *out = std::strtod(text.c_str(), nullptr);
  return true;
}

const char* type_name(Value::Type type) {
  switch (type) {
    case Value::Type::kNull: return "null";
    case Value::Type::kBool: return "boolean";
    case Value::Type::kNumber: return "number";
    case Value::Type::kString: return "string";
    case Value::Type::kArray: return "array";
    case Value::Type::kObject: return "object";
  }
  return "value";
}

Value parse(const char* data, size_t size, const std::string& what, int max_depth) {
  return Parser(data, size, what, max_depth).parse_document();
}

Value parse(const std::string& text, const std::string& what, int max_depth) {
  return parse(text.data(), text.size(), what, max_depth);
}

}  // namespace nibble::convert::json
