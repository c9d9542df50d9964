// The bad-model corpus as code: every malformed file in tests/bad-models,
// with the status code the loader must return and a fragment its message
// must contain. make_bad_models writes them (and MANIFEST.tsv) to disk;
// the test checks the checked-in files are exactly what this produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nibble/status.h"

namespace nibble::testing {

struct BadModel {
  std::string file;         // name inside tests/bad-models
  StatusCode code;          // what Model::from_buffer / load_file return
  std::string fragment;     // a substring of the message naming the fault
  std::string description;  // the class of malformation, one line
  std::vector<uint8_t> bytes;
};

std::vector<BadModel> bad_models();

// "kTruncated" for StatusCode::kTruncated, and back (false if unknown).
const char* status_code_identifier(StatusCode code);
bool parse_status_code_identifier(const std::string& name, StatusCode* code);

// MANIFEST.tsv's text for `models`: a comment line, then one line per
// file: file, status code identifier, message fragment, description.
std::string manifest_text(const std::vector<BadModel>& models);

}  // namespace nibble::testing
