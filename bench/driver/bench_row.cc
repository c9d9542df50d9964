#include "driver/bench_row.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "common/json_writer.h"

namespace nibble::bench {
namespace {

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.6g", v);
  return buffer;
}

std::string optional_number(const std::optional<double>& v) { return v ? number(*v) : "null"; }

// key -> raw JSON value text (strings unescaped).
bool parse_flat_object(const std::string& s, std::map<std::string, std::string>* fields,
                       std::map<std::string, bool>* is_string) {
  size_t i = s.find('{');
  if (i == std::string::npos) return false;
  ++i;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  auto read_string = [&](std::string* out) {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        const char c = s[i];
        out->push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c);
      } else {
        out->push_back(s[i]);
      }
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  };
  for (;;) {
    skip();
    if (i < s.size() && s[i] == '}') return true;
    std::string key, value;
    if (!read_string(&key)) return false;
    skip();
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    skip();
    bool string_value = false;
    if (i < s.size() && s[i] == '"') {
      if (!read_string(&value)) return false;
      string_value = true;
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') value.push_back(s[i++]);
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    (*fields)[key] = value;
    (*is_string)[key] = string_value;
    skip();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == '}') return true;
    return false;
  }
}

std::optional<double> as_number(const std::map<std::string, std::string>& f, const char* key) {
  auto it = f.find(key);
  if (it == f.end() || it->second == "null" || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str()) return std::nullopt;
  return v;
}

const char* kContract[] = {"family", "codec", "shape", "threads", "time_us", "gbps",
                           "pct_bandwidth", "xnnpack_time_us", "ratio_vs_xnnpack"};

bool is_contract(const std::string& key) {
  for (const char* k : kContract) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

std::string filter_key(const Row& row) { return row.family + "/" + row.codec + "/" + row.shape; }

std::string to_json(const Row& row) {
  using examples::json_escape;
  std::optional<double> ratio;
  if (row.xnnpack_time_us && *row.xnnpack_time_us > 0) ratio = row.time_us / *row.xnnpack_time_us;
  std::string s = "{\"family\":\"" + json_escape(row.family) + "\",\"codec\":\"" + json_escape(row.codec) +
                  "\",\"shape\":\"" + json_escape(row.shape) + "\",\"threads\":" + std::to_string(row.threads) +
                  ",\"time_us\":" + number(row.time_us) + ",\"gbps\":" + optional_number(row.gbps) +
                  ",\"pct_bandwidth\":" + optional_number(row.pct_bandwidth) +
                  ",\"xnnpack_time_us\":" + optional_number(row.xnnpack_time_us) +
                  ",\"ratio_vs_xnnpack\":" + optional_number(ratio);
  return s + row.extra_json + "}";
}

bool parse_row(const std::string& line, Row* row) {
  std::map<std::string, std::string> f;
  std::map<std::string, bool> is_string;
  if (!parse_flat_object(line, &f, &is_string)) return false;
  if (!f.count("family") || !f.count("codec") || !f.count("shape") || !as_number(f, "time_us")) return false;
  row->family = f["family"];
  row->codec = f["codec"];
  row->shape = f["shape"];
  row->threads = static_cast<int>(as_number(f, "threads").value_or(1));
  row->time_us = *as_number(f, "time_us");
  row->gbps = as_number(f, "gbps");
  row->pct_bandwidth = as_number(f, "pct_bandwidth");
  row->xnnpack_time_us = as_number(f, "xnnpack_time_us");
  row->extra_json.clear();
  for (const auto& [key, value] : f) {
    if (is_contract(key)) continue;
    row->extra_json += ",\"" + examples::json_escape(key) + "\":" +
                       (is_string[key] ? "\"" + examples::json_escape(value) + "\"" : value);
  }
  return true;
}

void print_table(const std::vector<Row>& rows) {
  if (rows.empty()) return;
  std::printf("\n### %s\n\n", rows[0].family.c_str());
  std::printf("| codec | shape | threads | time us | GB/s | %% of bandwidth | XNNPACK f32 us | time / XNNPACK |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    auto cell = [](const std::optional<double>& v, const char* format) {
      char buffer[32] = "-";
      if (v) std::snprintf(buffer, sizeof(buffer), format, *v);
      return std::string(buffer);
    };
    std::optional<double> ratio;
    if (r.xnnpack_time_us && *r.xnnpack_time_us > 0) ratio = r.time_us / *r.xnnpack_time_us;
    std::printf("| %s | %s | %d | %.1f | %s | %s | %s | %s |\n", r.codec.c_str(), r.shape.c_str(), r.threads,
                r.time_us, cell(r.gbps, "%.2f").c_str(), cell(r.pct_bandwidth, "%.1f%%").c_str(),
                cell(r.xnnpack_time_us, "%.1f").c_str(), cell(ratio, "%.3f").c_str());
  }
}

}  // namespace nibble::bench
