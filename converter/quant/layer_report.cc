#include "converter/quant/layer_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nibble::convert::quant {

namespace {

constexpr size_t kTableNameChars = 40;
constexpr size_t kChartLabelChars = 56;
constexpr double kRedBelowDb = 15, kOrangeBelowDb = 25;

// --------------------------------------------------------------- text

std::string printf_string(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Tensor names come from the ONNX file: replace every byte that is not
// part of a well-formed UTF-8 sequence with U+FFFD, so JSON and HTML stay
// valid whatever the file held.
std::string valid_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;  // no overlong forms
      if (c == 0xed) hi = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xbf);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      i += 1;
    }
  }
  return out;
}

// Characters (code points) of valid UTF-8: bytes that do not continue one.
size_t char_count(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

// Byte offset of the first byte of character `index` (s.size() past the end).
size_t char_offset(const std::string& s, size_t index) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] & 0xc0) != 0x80 && seen++ == index) return i;
  }
  return s.size();
}

// At most max_chars characters: long names keep their start and end
// (where the layer index and the op suffix usually are).
std::string shorten(const std::string& s, size_t max_chars) {
  const size_t n = char_count(s);
  if (n <= max_chars) return s;
  const size_t keep = max_chars - 3, head = keep / 2, tail = keep - head;
  return s.substr(0, char_offset(s, head)) + "..." + s.substr(char_offset(s, n - tail));
}

// For the terminal: control characters (a newline in a tensor name)
// would break the table's lines; show them as '?'.
std::string printable(const std::string& s) {
  std::string out = valid_utf8(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string pad(const std::string& s, size_t width, bool left_align) {
  const size_t n = char_count(s);
  if (n >= width) return s;
  const std::string fill(width - n, ' ');
  return left_align ? s + fill : fill + s;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
  return out;
}

std::string snr_text(double db) {
  if (std::isnan(db)) return "nan";
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return printf_string("%.2f", db);
}

std::string ratio_text(uint64_t weights, uint64_t encoded_bytes) {
  if (encoded_bytes == 0) return "-";
  return printf_string("%.2fx", 4.0 * static_cast<double>(weights) / static_cast<double>(encoded_bytes));
}

// The table's cells, shared by the terminal and HTML renderings.
struct Row {
  std::string layer, op, codec, shape, bpw, bytes, rmse, max_abs, mean_abs, snr, ratio;
};

Row layer_row(const LayerReport& l) {
  return Row{l.tensor,
             l.op,
             l.codec,
             shape_text(l.shape),
             printf_string("%.3f", l.bits_per_weight),
             std::to_string(l.encoded_bytes),
             printf_string("%.3e", l.error.rmse()),
             printf_string("%.3e", l.error.max_abs_error),
             printf_string("%.3e", l.error.mean_abs()),
             snr_text(l.error.snr_db()),
             ratio_text(l.weights, l.encoded_bytes)};
}

Row total_row(const ModelReport& r) {
  const ErrorStats total = r.total();
  uint64_t weights = 0;
  for (const LayerReport& l : r.layers) weights += l.weights;
  return Row{"total (" + std::to_string(r.layers.size()) + " layers)",
             "",
             "",
             std::to_string(weights) + " weights",
             printf_string("%.3f", r.bits_per_weight()),
             std::to_string(r.encoded_bytes()),
             printf_string("%.3e", total.rmse()),
             printf_string("%.3e", total.max_abs_error),
             printf_string("%.3e", total.mean_abs()),
             snr_text(total.snr_db()),
             ratio_text(weights, r.encoded_bytes())};
}

constexpr const char* kHeaders[] = {"layer",   "op",      "codec",    "shape",  "bpw",  "bytes",
                                    "RMSE",    "max abs", "mean abs", "SNR dB", "ratio"};
constexpr int kColumns = 11;
constexpr int kTextColumns = 4;  // layer, op, codec, shape: left-aligned
constexpr int kSnrColumn = 9;

std::vector<std::string> cells(const Row& r) {
  return {r.layer, r.op, r.codec, r.shape, r.bpw, r.bytes, r.rmse, r.max_abs, r.mean_abs, r.snr, r.ratio};
}

// ---------------------------------------------------------------- JSON

std::string json_string(const std::string& raw) {
  const std::string s = valid_utf8(raw);
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// JSON has no infinities or NaN: those become null.
std::string json_number(double v) { return std::isfinite(v) ? printf_string("%.6g", v) : "null"; }

// ---------------------------------------------------------------- HTML

std::string html_escape(const std::string& raw) {
  const std::string s = valid_utf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Bands: red below 15 dB (and NaN), orange below 25, green above (+inf too).
const char* snr_colour(double db) {
  if (std::isnan(db) || db < kRedBelowDb) return "#d7301f";
  if (db < kOrangeBelowDb) return "#f08c2a";
  return "#1a9850";
}

// The chart's axis: 0 .. the first multiple of a round step above the
// best finite SNR (at least 40 dB so that the colour bands are visible),
// so that only lossless layers get a full bar.
struct Axis {
  double max_db, step_db;
};

Axis chart_axis(const ModelReport& r) {
  double best = 40;
  for (const LayerReport& l : r.layers) {
    const double db = l.error.snr_db();
    if (std::isfinite(db)) best = std::max(best, db);
  }
  double step = 5;
  for (double candidate : {5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 500.0}) {
    step = candidate;
    if (best / candidate <= 10) break;
  }
  return Axis{(std::floor(best / step) + 1) * step, step};
}

std::string svg_chart(const ModelReport& r) {
  const Axis axis = chart_axis(r);
  constexpr double kCharWidth = 6.6, kRowHeight = 18, kBarHeight = 12, kBarWidth = 480, kTop = 8;
  constexpr double kValueWidth = 70, kAxisHeight = 34;
  size_t label_chars = 8;
  std::vector<std::string> labels;
  for (const LayerReport& l : r.layers) {
    labels.push_back(shorten(valid_utf8(l.tensor + " \xc2\xb7 " + l.codec), kChartLabelChars));
    label_chars = std::max(label_chars, char_count(labels.back()));
  }
  const double left = 12 + kCharWidth * static_cast<double>(label_chars);
  const double bars_bottom = kTop + kRowHeight * static_cast<double>(r.layers.size());
  const double width = left + kBarWidth + kValueWidth, height = bars_bottom + kAxisHeight;
  const auto x_of = [&](double db) { return left + kBarWidth * std::min(std::max(db, 0.0), axis.max_db) / axis.max_db; };

  std::string svg = "<svg class=\"chart\" width=\"" + printf_string("%.0f", width) + "\" height=\"" +
                    printf_string("%.0f", height) + "\" viewBox=\"0 0 " + printf_string("%.0f", width) + " " +
                    printf_string("%.0f", height) + "\" role=\"img\" aria-label=\"SNR per layer in dB\">\n";
  // Grid lines and tick labels first, so the bars are drawn over them.
  for (double db = 0; db <= axis.max_db + 1e-9; db += axis.step_db) {
    const std::string x = printf_string("%.1f", x_of(db));
    svg += "<line x1=\"" + x + "\" y1=\"" + printf_string("%.1f", kTop - 4) + "\" x2=\"" + x + "\" y2=\"" +
           printf_string("%.1f", bars_bottom + 4) + "\" class=\"grid\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + printf_string("%.1f", bars_bottom + 17) + "\" class=\"tick\">" +
           printf_string("%.0f", db) + "</text>\n";
  }
  for (double band : {kRedBelowDb, kOrangeBelowDb}) {
    const std::string x = printf_string("%.1f", x_of(band));
    svg += "<line x1=\"" + x + "\" y1=\"" + printf_string("%.1f", kTop - 4) + "\" x2=\"" + x + "\" y2=\"" +
           printf_string("%.1f", bars_bottom) + "\" class=\"band\"/>\n";
  }
  svg += "<line x1=\"" + printf_string("%.1f", left) + "\" y1=\"" + printf_string("%.1f", bars_bottom + 4) +
         "\" x2=\"" + printf_string("%.1f", left + kBarWidth) + "\" y2=\"" + printf_string("%.1f", bars_bottom + 4) +
         "\" class=\"axis\"/>\n";
  svg += "<text x=\"" + printf_string("%.1f", left + kBarWidth / 2) + "\" y=\"" +
         printf_string("%.1f", bars_bottom + 31) + "\" class=\"tick\">SNR (dB)</text>\n";

  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    const double db = l.error.snr_db();
    const bool lossless = std::isinf(db) && db > 0;
    const double y = kTop + kRowHeight * static_cast<double>(i);
    const double bar_end = lossless ? left + kBarWidth : std::isnan(db) ? left : x_of(db);
    const std::string value = lossless ? "lossless" : std::isnan(db) ? "n/a" : snr_text(db) + " dB";
    const std::string tooltip = html_escape(l.tensor + " (" + l.codec + "): " + value);
    svg += "<text x=\"" + printf_string("%.1f", left - 6) + "\" y=\"" + printf_string("%.1f", y + kBarHeight - 2) +
           "\" class=\"label\">" + html_escape(labels[i]) + "<title>" + tooltip + "</title></text>\n";
    svg += "<rect x=\"" + printf_string("%.1f", left) + "\" y=\"" + printf_string("%.1f", y) + "\" width=\"" +
           printf_string("%.1f", bar_end - left) + "\" height=\"" + printf_string("%.0f", kBarHeight) + "\" fill=\"" +
           snr_colour(db) + "\"><title>" + tooltip + "</title></rect>\n";
    svg += "<text x=\"" + printf_string("%.1f", bar_end + 4) + "\" y=\"" + printf_string("%.1f", y + kBarHeight - 2) +
           "\" class=\"value\">" + html_escape(value) + "</text>\n";
  }
  return svg + "</svg>\n";
}

std::string html_table(const ModelReport& r) {
  std::string out = "<table class=\"layers\">\n<thead><tr>";
  for (int c = 0; c < kColumns; ++c) out += std::string("<th>") + kHeaders[c] + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  const auto row_html = [](const Row& row, double db) {
    std::string tr = "<tr>";
    const std::vector<std::string> cs = cells(row);
    for (int c = 0; c < kColumns; ++c) {
      std::string attrs = c < kTextColumns ? "" : " class=\"num\"";
      if (c == kSnrColumn) attrs = std::string(" class=\"num\" style=\"color:") + snr_colour(db) + "\"";
      tr += "<td" + attrs + ">" + html_escape(cs[c]) + "</td>";
    }
    return tr + "</tr>\n";
  };
  for (const LayerReport& l : r.layers) out += row_html(layer_row(l), l.error.snr_db());
  out += "</tbody>\n<tfoot>\n" + row_html(total_row(r), r.total().snr_db()) + "</tfoot>\n</table>\n";
  return out;
}

}  // namespace

// ----------------------------------------------------------- ModelReport

ErrorStats ModelReport::total() const {
  ErrorStats total;
  for (const LayerReport& l : layers) total.merge(l.error);
  return total;
}

double ModelReport::bits_per_weight() const {
  double weighted = 0, weights = 0;
  for (const LayerReport& l : layers) {
    weighted += l.bits_per_weight * static_cast<double>(l.weights);
    weights += static_cast<double>(l.weights);
  }
  return weights > 0 ? weighted / weights : 0;
}

uint64_t ModelReport::f32_bytes() const {
  uint64_t bytes = 0;
  for (const LayerReport& l : layers) bytes += 4 * l.weights;
  return bytes;
}

uint64_t ModelReport::encoded_bytes() const {
  uint64_t bytes = 0;
  for (const LayerReport& l : layers) bytes += l.encoded_bytes;
  return bytes;
}

double ModelReport::compression_ratio() const {
  const uint64_t encoded = encoded_bytes();
  return encoded == 0 ? 0 : static_cast<double>(f32_bytes()) / static_cast<double>(encoded);
}

// ------------------------------------------------------------ renderings

std::string format_layer_table(const ModelReport& report) {
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back(std::begin(kHeaders), std::end(kHeaders));
  for (const LayerReport& l : report.layers) {
    Row row = layer_row(l);
    row.layer = shorten(printable(row.layer), kTableNameChars);
    row.op = printable(row.op);
    row.codec = printable(row.codec);
    rows.push_back(cells(row));
  }
  rows.push_back(cells(total_row(report)));

  size_t width[kColumns] = {};
  for (const auto& row : rows) {
    for (int c = 0; c < kColumns; ++c) width[c] = std::max(width[c], char_count(row[c]));
  }
  size_t line_width = 0;
  for (int c = 0; c < kColumns; ++c) line_width += width[c] + (c ? 2 : 0);

  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (int c = 0; c < kColumns; ++c) line += (c ? "  " : "") + pad(row[c], width[c], c < kTextColumns);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(rows.front());
  out += std::string(line_width, '-') + "\n";
  for (size_t i = 1; i + 1 < rows.size(); ++i) emit(rows[i]);
  out += std::string(line_width, '-') + "\n";
  emit(rows.back());
  return out;
}

std::string layer_report_json(const ModelReport& report) {
  const ErrorStats total = report.total();
  uint64_t weights = 0;
  for (const LayerReport& l : report.layers) weights += l.weights;
  std::string out = "{\"model\":" + json_string(report.model_name) + ",\"weights\":" + std::to_string(weights) +
                    ",\"f32_bytes\":" + std::to_string(report.f32_bytes()) +
                    ",\"encoded_bytes\":" + std::to_string(report.encoded_bytes()) +
                    ",\"bits_per_weight\":" + json_number(report.bits_per_weight()) +
                    ",\"compression_ratio\":" + json_number(report.compression_ratio()) +
                    ",\"rmse\":" + json_number(total.rmse()) + ",\"snr_db\":" + json_number(total.snr_db()) +
                    ",\"layers\":[";
  for (size_t i = 0; i < report.layers.size(); ++i) {
    const LayerReport& l = report.layers[i];
    std::string shape;
    for (size_t d = 0; d < l.shape.size(); ++d) shape += (d ? "," : "") + std::to_string(l.shape[d]);
    out += std::string(i ? "," : "") + "{\"tensor\":" + json_string(l.tensor) + ",\"op\":" + json_string(l.op) +
           ",\"codec\":" + json_string(l.codec) + ",\"shape\":[" + shape + "],\"weights\":" +
           std::to_string(l.weights) + ",\"encoded_bytes\":" + std::to_string(l.encoded_bytes) +
           ",\"bits_per_weight\":" + json_number(l.bits_per_weight) + ",\"rmse\":" + json_number(l.error.rmse()) +
           ",\"max_abs_error\":" + json_number(l.error.max_abs_error) +
           ",\"mean_abs_error\":" + json_number(l.error.mean_abs()) + ",\"snr_db\":" + json_number(l.error.snr_db()) +
           ",\"seconds\":" + json_number(l.seconds) + "}";
  }
  return out + "]}";
}

std::string render_html_report(const ModelReport& report, const std::string& command_line) {
  const ErrorStats total = report.total();
  double seconds = 0;
  uint64_t weights = 0;
  for (const LayerReport& l : report.layers) seconds += l.seconds, weights += l.weights;
  const std::string name = html_escape(report.model_name.empty() ? "(unnamed model)" : report.model_name);
  const double total_db = total.snr_db();

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>nibble quantization report: " + name + "</title>\n"
      "<style>\n"
      "body{font-family:system-ui,sans-serif;margin:24px;color:#222}\n"
      "pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}\n"
      "table{border-collapse:collapse;font-size:13px}\n"
      "th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}\n"
      "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
      "tfoot td{font-weight:bold;border-top:2px solid #999}\n"
      ".summary th{font-weight:normal;color:#555}\n"
      ".chart text{font-family:monospace;font-size:11px}\n"
      ".chart .label{text-anchor:end}\n"
      ".chart .tick{text-anchor:middle;fill:#555}\n"
      ".chart .grid{stroke:#e4e4e4}\n"
      ".chart .band{stroke:#999;stroke-dasharray:3,3}\n"
      ".chart .axis{stroke:#555}\n"
      ".key{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}\n"
      "</style>\n</head>\n<body>\n"
      "<h1>Quantization report: " + name + "</h1>\n"
      "<h2>Command line</h2>\n<pre>" + html_escape(command_line) + "</pre>\n"
      "<h2>Summary</h2>\n<table class=\"summary\">\n"
      "<tr><th>layers</th><td>" + std::to_string(report.layers.size()) + "</td></tr>\n"
      "<tr><th>weights</th><td>" + std::to_string(weights) + "</td></tr>\n"
      "<tr><th>bits per weight</th><td>" + printf_string("%.3f", report.bits_per_weight()) + "</td></tr>\n"
      "<tr><th>bytes (f32 &rarr; encoded)</th><td>" + std::to_string(report.f32_bytes()) + " &rarr; " +
      std::to_string(report.encoded_bytes()) + "</td></tr>\n"
      "<tr><th>compression vs f32</th><td>" + printf_string("%.2fx", report.compression_ratio()) + "</td></tr>\n"
      "<tr><th>total SNR</th><td>" + (std::isinf(total_db) && total_db > 0 ? "lossless" : snr_text(total_db) + " dB") +
      "</td></tr>\n"
      "<tr><th>total RMSE</th><td>" + printf_string("%.3e", total.rmse()) + "</td></tr>\n"
      "<tr><th>encoding time</th><td>" + printf_string("%.3f", seconds) + " s</td></tr>\n"
      "</table>\n"
      "<h2>SNR per layer</h2>\n<p>"
      "<span class=\"key\" style=\"background:#d7301f\"></span>below 15 dB"
      "<span class=\"key\" style=\"background:#f08c2a\"></span>15&ndash;25 dB"
      "<span class=\"key\" style=\"background:#1a9850\"></span>25 dB and above (full bar: lossless)</p>\n";
  html += svg_chart(report);
  html += "<h2>Layers</h2>\n" + html_table(report) + "</body>\n</html>\n";
  return html;
}

}  // namespace nibble::convert::quant
