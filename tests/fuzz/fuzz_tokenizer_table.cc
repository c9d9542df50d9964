// Tokenizer tables from fuzz input through Tokenizer::create (which runs
// the same verify_tokenizer_data the loader applies to a file's table),
// then the round-trip property on whatever table it accepts.
//
// Input: [n_merges u8][n_edits u8] n_merges x (left u16, right u16)
// n_edits x (what u8, index u16, value u32) then text. The table starts as
// the 256 single-byte tokens; each merge appends the token left+right (ids
// taken modulo the current vocabulary, so most tables are valid and the
// encoder gets fuzzed merge rules); the edits then break one array entry
// (an offset, a merge id, a result, bos/eos) so the verifier's rejections
// are reached too. decode(encode(text)) must equal text for any table the
// verifier accepts: a mismatch traps.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nibble/tokenizer.hpp"

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t take(size_t bytes) {  // little-endian; 0 past the end
    uint32_t v = 0;
    for (size_t i = 0; i < bytes; ++i, ++pos_) {
      if (pos_ < size_) v |= static_cast<uint32_t>(data_[pos_]) << (8 * i);
    }
    return v;
  }
  const char* rest(size_t* n) const {
    *n = pos_ < size_ ? size_ - pos_ : 0;
    return reinterpret_cast<const char*>(data_) + (pos_ < size_ ? pos_ : size_);
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(std::string(1, static_cast<char>(b)));
  std::vector<int32_t> merges, results;
  const uint32_t n_merges = in.take(1);
  const uint32_t n_edits = in.take(1) % 4;
  for (uint32_t r = 0; r < n_merges; ++r) {
    const int32_t left = static_cast<int32_t>(in.take(2) % tokens.size());
    const int32_t right = static_cast<int32_t>(in.take(2) % tokens.size());
    merges.push_back(left);
    merges.push_back(right);
    results.push_back(static_cast<int32_t>(tokens.size()));
    tokens.push_back(tokens[left] + tokens[right]);
  }
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offsets{0};
  for (const std::string& t : tokens) {
    bytes.insert(bytes.end(), t.begin(), t.end());
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  nibble::TokenizerData d;
  for (uint32_t e = 0; e < n_edits; ++e) {
    const uint32_t what = in.take(1) % 5;
    const uint32_t index = in.take(2);
    const uint32_t value = in.take(4);
    if (what == 0) offsets[index % offsets.size()] = value;
    if (what == 1 && !merges.empty()) merges[index % merges.size()] = static_cast<int32_t>(value);
    if (what == 2 && !results.empty()) results[index % results.size()] = static_cast<int32_t>(value);
    if (what == 3) d.bos = static_cast<int32_t>(value);
    if (what == 4) d.eos = static_cast<int32_t>(value);
  }
  d.token_bytes = bytes.data();
  d.num_token_bytes = bytes.size();
  d.token_offsets = offsets.data();
  d.num_tokens = tokens.size();
  d.merges = merges.data();
  d.merge_results = results.data();
  d.num_merges = results.size();
  nibble::Result<nibble::Tokenizer> created = nibble::Tokenizer::create(d);
  if (!created.is_ok()) return 0;
  const nibble::Tokenizer& tok = created.value();

  size_t length = 0;
  const char* text = in.rest(&length);
  std::vector<int32_t> ids(length + 1);
  size_t count = 0;
  if (!tok.encode(text, length, ids.data(), ids.size(), &count).is_ok() || count > length) __builtin_trap();
  std::vector<char> decoded(length + 1);
  size_t decoded_length = 0;
  if (!tok.decode(ids.data(), count, decoded.data(), decoded.size(), &decoded_length).is_ok()) __builtin_trap();
  if (decoded_length != length || (length != 0 && std::memcmp(decoded.data(), text, length) != 0)) __builtin_trap();
  return 0;
}
