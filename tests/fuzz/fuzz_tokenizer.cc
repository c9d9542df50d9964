// The GPT-2 BPE tokenizer over the shipped fixture vocabulary
// (tests/fixtures/gpt2-shakespeare): any byte string encodes, and
// decode(encode(s)) == s. A mismatch traps, so libFuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "converter/hf/gpt2_vocab.h"
#include "nibble/tokenizer.hpp"

namespace {

// The vocabulary as the flat arrays a model file embeds, built once.
struct FixtureTokenizer {
  nibble::convert::BpeVocabulary vocab;
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offsets{0};
  std::vector<int32_t> merges;
  nibble::Tokenizer* tokenizer = nullptr;

  FixtureTokenizer() {
    const std::string dir = std::string(NIBBLE_FIXTURES_DIR) + "/gpt2-shakespeare/";
    vocab = nibble::convert::read_gpt2_vocabulary(dir + "vocab.json", dir + "merges.txt");
    for (const std::string& token : vocab.tokens) {
      bytes.insert(bytes.end(), token.begin(), token.end());
      offsets.push_back(static_cast<uint32_t>(bytes.size()));
    }
    for (const auto& [left, right] : vocab.merges) {
      merges.push_back(left);
      merges.push_back(right);
    }
    nibble::TokenizerData d;
    d.token_bytes = bytes.data();
    d.num_token_bytes = bytes.size();
    d.token_offsets = offsets.data();
    d.num_tokens = vocab.tokens.size();
    d.merges = merges.data();
    d.merge_results = vocab.merge_results.data();
    d.num_merges = vocab.merge_results.size();
    auto created = nibble::Tokenizer::create(d);
    if (!created.is_ok()) __builtin_trap();
    tokenizer = new nibble::Tokenizer(std::move(created.value()));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FixtureTokenizer* fixture = new FixtureTokenizer();  // lives for the process
  const nibble::Tokenizer& tok = *fixture->tokenizer;
  const char* text = reinterpret_cast<const char*>(data);
  // At most one id per byte: every single byte is a token.
  std::vector<int32_t> ids(size + 1);
  size_t count = 0;
  if (!tok.encode(text, size, ids.data(), ids.size(), &count).is_ok()) __builtin_trap();
  if (count > size) __builtin_trap();
  std::vector<char> decoded(size + 1);
  size_t length = 0;
  if (!tok.decode(ids.data(), count, decoded.data(), decoded.size(), &length).is_ok()) __builtin_trap();
  if (length != size || (size != 0 && std::memcmp(decoded.data(), text, size) != 0)) __builtin_trap();
  return 0;
}
