// One row of nibble-bench: the contract's fields (docs/BENCHMARKS.md), as
// every family reports them, plus the family's own extras.
//
//   ratio_vs_xnnpack = time_us / xnnpack_time_us: below 1, nibble is
//   faster than XNNPACK FP32 on the same shape and threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nibble::bench {

struct Row {
  std::string family, codec, shape;
  int threads = 1;
  double time_us = 0;
  std::optional<double> gbps, pct_bandwidth, xnnpack_time_us;
  std::string extra_json;  // the family's other fields, ",\"k\":v,..." or empty
};

// The "family/codec/shape" key --filter matches.
std::string filter_key(const Row& row);

// One JSON object on one line, contract fields first.
std::string to_json(const Row& row);

// Parses a flat JSON object line written by a family binary (strings,
// numbers, null, booleans; no nesting). False if it is not one or lacks
// family/codec/shape/time_us.
bool parse_row(const std::string& line, Row* row);

// A markdown table of rows (all of one family).
void print_table(const std::vector<Row>& rows);

}  // namespace nibble::bench
