// A flat JSON object written on one line: the last stdout line of every
// example with --json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nibble::examples {

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, double value);
  JsonObject& add(const std::string& key, uint64_t value);
  JsonObject& add(const std::string& key, int64_t value);
  JsonObject& add_null(const std::string& key);
  JsonObject& add(const std::string& key, const std::vector<int64_t>& values);  // an array
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(const std::string& k);
  std::string body_;
};

std::string json_escape(const std::string& s);

}  // namespace nibble::examples
