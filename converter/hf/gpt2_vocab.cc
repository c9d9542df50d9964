#include "converter/hf/gpt2_vocab.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "converter/convert.h"
#include "converter/util/file_util.h"
#include "converter/util/json.h"

namespace nibble::convert {
namespace {

// GPT-2 writes every byte as a printable code point so vocab files stay
// readable: bytes 33..126, 161..172 and 174..255 stand for themselves; the
// other 68 (controls, space, 127..160, 173) become U+0100.. in byte order.
// Returns code point -> byte for all 256 bytes.
std::map<uint32_t, uint8_t> unicode_to_byte_map() {
  std::map<uint32_t, uint8_t> map;
  uint32_t next = 0x100;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map[printable ? b : next++] = static_cast<uint8_t>(b);
  }
  return map;
}

// Decodes one code point of valid UTF-8 (the JSON reader produced it, and
// merges.txt is checked here). Returns false on malformed input.
bool next_code_point(const std::string& s, size_t* pos, uint32_t* cp) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(*pos);
  size_t extra = lead < 0x80 ? 0 : (lead & 0xE0) == 0xC0 ? 1 : (lead & 0xF0) == 0xE0 ? 2 : (lead & 0xF8) == 0xF0 ? 3 : 4;
  if (extra == 4 || extra > s.size() - *pos - 1) return false;
  uint32_t value = extra == 0 ? lead : extra == 1 ? (lead & 0x1F) : extra == 2 ? (lead & 0x0F) : (lead & 0x07);
  for (size_t k = 1; k <= extra; ++k) {
    uint8_t c = byte(*pos + k);
    if ((c & 0xC0) != 0x80) return false;
    value = (value << 6) | (c & 0x3F);
  }
  *pos += extra + 1;
  *cp = value;
  return true;
}

// The raw bytes a printable-form token stands for; throws naming `where`.
std::string printable_to_bytes(const std::string& text, const std::map<uint32_t, uint8_t>& map,
                               const std::string& where) {
  std::string bytes;
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = 0;
    if (!next_code_point(text, &pos, &cp)) throw Error(where + ": invalid UTF-8");
    auto it = map.find(cp);
    if (it == map.end()) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "U+%04X", static_cast<unsigned>(cp));
      throw Error(where + ": " + hex + " is not one of GPT-2's 256 byte characters");
    }
    bytes.push_back(static_cast<char>(it->second));
  }
  if (bytes.empty()) throw Error(where + ": empty token");
  return bytes;
}

void read_vocab_json(const std::string& path, const std::map<uint32_t, uint8_t>& map, BpeVocabulary* vocab,
                     std::map<std::string, int32_t>* ids) {
  json::Value root = json::parse(read_file(path), path);
  if (!root.is_object()) {
    throw Error(path + ": expected a JSON object of token -> id, found " + json::type_name(root.type));
  }
  const size_t n = root.object.size();
  if (n == 0) throw Error(path + ": empty vocabulary");
  if (n > (size_t{1} << 24)) throw Error(path + ": " + std::to_string(n) + " tokens, more than 2^24");
  vocab->tokens.assign(n, std::string());
  std::vector<bool> seen(n, false);
  for (const auto& [key, value] : root.object) {
    const std::string where = path + ": token \"" + key + "\"";
    int64_t id = -1;
    if (!value.is_number() || !value.to_int64(&id)) throw Error(where + ": id is not an integer");
    if (id < 0 || static_cast<uint64_t>(id) >= n) {
      throw Error(where + ": id " + std::to_string(id) + " outside 0.." + std::to_string(n - 1) +
                  " (ids must be exactly 0..V-1)");
    }
    if (seen[id]) throw Error(where + ": id " + std::to_string(id) + " is used twice");
    seen[id] = true;
    std::string bytes = printable_to_bytes(key, map, where);
    if (!ids->emplace(bytes, static_cast<int32_t>(id)).second) {
      throw Error(where + ": same bytes as token id " + std::to_string(ids->at(bytes)));
    }
    vocab->tokens[id] = std::move(bytes);
  }
  // Encoding starts from one token per byte, so every byte needs one.
  for (int b = 0; b < 256; ++b) {
    if (ids->count(std::string(1, static_cast<char>(b))) == 0) {
      throw Error(path + ": byte " + std::to_string(b) + " has no single-byte token (encoding could not start)");
    }
  }
}

// One "left right" line of merges.txt into token ids; throws naming the line.
void read_merges_txt(const std::string& path, const std::map<uint32_t, uint8_t>& map,
                     const std::map<std::string, int32_t>& ids, BpeVocabulary* vocab) {
  const std::string text = read_file(path);
  std::set<std::pair<int32_t, int32_t>> pairs;
  size_t line_start = 0;
  size_t blank_line = 0;  // the first blank line, if any: only more blank lines may follow
  for (size_t line_no = 1; line_start < text.size(); ++line_no) {
    size_t end = text.find('\n', line_start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(line_start, end - line_start);
    line_start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    if (line.empty()) {
      if (blank_line == 0) blank_line = line_no;
      continue;
    }
    const std::string where = path + ":" + std::to_string(line_no);
    if (blank_line != 0) {
      throw Error(where + ": merge after the blank line " + std::to_string(blank_line) +
                  " (blank lines may only end the file)");
    }
    if (line_no == 1 && line.rfind("#version", 0) == 0) continue;
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      throw Error(where + ": expected \"left right\" (two tokens separated by one space), found \"" + line + "\"");
    }
    const std::string left = printable_to_bytes(line.substr(0, space), map, where + ": left part");
    const std::string right = printable_to_bytes(line.substr(space + 1), map, where + ": right part");
    auto find_id = [&](const std::string& bytes, const std::string& printable, const char* role) {
      auto it = ids.find(bytes);
      if (it == ids.end()) throw Error(where + ": " + role + " \"" + printable + "\" is not a token of the vocabulary");
      return it->second;
    };
    int32_t l = find_id(left, line.substr(0, space), "left part");
    int32_t r = find_id(right, line.substr(space + 1), "right part");
    int32_t joined = find_id(left + right, line.substr(0, space) + line.substr(space + 1), "merge result");
    if (!pairs.emplace(l, r).second) throw Error(where + ": merge \"" + line + "\" repeats an earlier line");
    if (vocab->merges.size() >= (size_t{1} << 24)) throw Error(where + ": more than 2^24 merges");
    vocab->merges.emplace_back(l, r);
    vocab->merge_results.push_back(joined);
  }
}

}  // namespace

BpeVocabulary read_gpt2_vocabulary(const std::string& vocab_json_path, const std::string& merges_txt_path) {
  const std::map<uint32_t, uint8_t> map = unicode_to_byte_map();
  BpeVocabulary vocab;
  std::map<std::string, int32_t> ids;
  read_vocab_json(vocab_json_path, map, &vocab, &ids);
  read_merges_txt(merges_txt_path, map, ids, &vocab);
  auto eot = ids.find("<|endoftext|>");
  if (eot != ids.end()) vocab.bos_token = vocab.eos_token = eot->second;
  return vocab;
}

}  // namespace nibble::convert
