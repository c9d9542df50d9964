#include "converter/quant/layer_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace nibble::convert::quant {
namespace {

// A strict JSON recogniser (RFC 8259 grammar; strings must be valid
// UTF-8), enough to prove the report parses anywhere.
class JsonChecker {
 public:
  explicit JsonChecker(const std::string& text) : s_(text) {}

  bool valid() {
    skip_space();
    if (!value()) return false;
    skip_space();
    return pos_ == s_.size();
  }

 private:
  bool value() {
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return string();
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return number();
    return literal("true") || literal("false") || literal("null");
  }
  bool object() {
    ++pos_;
    skip_space();
    if (peek('}')) return ++pos_, true;
    while (true) {
      skip_space();
      if (!string()) return false;
      skip_space();
      if (!peek(':')) return false;
      ++pos_;
      skip_space();
      if (!value()) return false;
      skip_space();
      if (peek('}')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }
  bool array() {
    ++pos_;
    skip_space();
    if (peek(']')) return ++pos_, true;
    while (true) {
      skip_space();
      if (!value()) return false;
      skip_space();
      if (peek(']')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    ++pos_;
    while (pos_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return ++pos_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++pos_ >= s_.size()) return false;
        const char e = s_[pos_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            if (pos_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_ + k]))) return false;
          }
          pos_ += 5;
        } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
          ++pos_;
        } else {
          return false;
        }
      } else if (c >= 0x80) {
        const int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || pos_ + len > s_.size()) return false;
        for (int k = 1; k < len; ++k) {
          if ((static_cast<unsigned char>(s_[pos_ + k]) & 0xc0) != 0x80) return false;
        }
        pos_ += len;
      } else {
        ++pos_;
      }
    }
    return false;
  }
  bool number() {
    const size_t start = pos_;
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!digits()) return false;
    }
    return pos_ > start;
  }
  bool digits() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return pos_ > start;
  }
  bool literal(const char* word) {
    const std::string w = word;
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  void skip_space() {
    while (pos_ < s_.size() && std::string(" \t\r\n").find(s_[pos_]) != std::string::npos) ++pos_;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

bool is_json(const std::string& text) { return JsonChecker(text).valid(); }

ErrorStats stats(uint64_t count, double signal, double error, double abs_error, double max_abs) {
  ErrorStats s;
  s.count = count;
  s.sum_sq_signal = signal;
  s.sum_sq_error = error;
  s.sum_abs_error = abs_error;
  s.max_abs_error = max_abs;
  return s;
}

// conv1: 4-bit, SNR 20 dB; fc: 8-bit, 40 dB; the classifier kept in f32.
ModelReport sample_report() {
  ModelReport r;
  r.model_name = "tiny<net>";
  LayerReport conv;
  conv.tensor = "conv1.weight";
  conv.op = "CONV2D";
  conv.codec = "lut:4,group=32";
  conv.shape = {16, 3, 3, 3};
  conv.weights = 432;
  conv.encoded_bytes = 270;
  conv.bits_per_weight = 5.0;
  conv.error = stats(432, 100.0, 1.0, 10.0, 0.2);
  conv.seconds = 0.01;
  LayerReport fc = conv;
  fc.tensor = "fc.weight";
  fc.op = "FULLY_CONNECTED";
  fc.codec = "q8_0";
  fc.shape = {10, 64};
  fc.weights = 640;
  fc.encoded_bytes = 680;
  fc.bits_per_weight = 8.5;
  fc.error = stats(640, 1000.0, 0.1, 4.0, 0.01);
  LayerReport head = fc;
  head.tensor = "head.weight";
  head.codec = "f32";
  head.shape = {2, 8};
  head.weights = 16;
  head.encoded_bytes = 64;
  head.bits_per_weight = 32;
  head.error = stats(16, 5.0, 0.0, 0.0, 0.0);
  r.layers = {conv, fc, head};
  return r;
}

TEST(ModelReport, Totals) {
  const ModelReport r = sample_report();
  EXPECT_EQ(r.f32_bytes(), 4u * (432 + 640 + 16));
  EXPECT_EQ(r.encoded_bytes(), 270u + 680 + 64);
  EXPECT_DOUBLE_EQ(r.bits_per_weight(), (5.0 * 432 + 8.5 * 640 + 32 * 16) / (432 + 640 + 16));
  EXPECT_DOUBLE_EQ(r.compression_ratio(), 4.0 * 1088 / 1014);
  const ErrorStats total = r.total();
  EXPECT_EQ(total.count, 1088u);
  EXPECT_DOUBLE_EQ(total.sum_sq_error, 1.1);
  EXPECT_DOUBLE_EQ(total.max_abs_error, 0.2);
  EXPECT_NEAR(total.snr_db(), 10 * std::log10(1105.0 / 1.1), 1e-9);
  const ModelReport empty;
  EXPECT_EQ(empty.bits_per_weight(), 0.0);
  EXPECT_EQ(empty.compression_ratio(), 0.0);
}

TEST(LayerTable, AlignedWithATotalLine) {
  const std::string table = format_layer_table(sample_report());
  std::istringstream in(table);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u);  // header, rule, 3 layers, rule, total
  EXPECT_EQ(lines[0].rfind("layer", 0), 0u);
  for (const char* column : {"op", "codec", "shape", "bpw", "bytes", "RMSE", "max abs", "mean abs", "SNR dB", "ratio"}) {
    EXPECT_NE(lines[0].find(column), std::string::npos) << column;
  }
  // The last column is right-aligned: every line ends at the same column.
  for (const std::string& line : lines) EXPECT_EQ(line.size(), lines[0].size()) << line;
  // Columns line up: "bpw" right-aligned over its values.
  const size_t bpw_end = lines[0].find("bpw") + 3;
  EXPECT_EQ(lines[2].substr(bpw_end - 5, 5), "5.000");
  EXPECT_NE(lines[2].find("conv1.weight"), std::string::npos);
  EXPECT_NE(lines[2].find("16x3x3x3"), std::string::npos);
  EXPECT_NE(lines[2].find("20.00"), std::string::npos);  // SNR of conv1
  EXPECT_NE(lines[3].find("40.00"), std::string::npos);
  EXPECT_NE(lines[4].find(" inf "), std::string::npos);  // lossless
  EXPECT_NE(lines[2].find("6.40x"), std::string::npos);  // 1728 / 270
  EXPECT_EQ(lines[6].rfind("total (3 layers)", 0), 0u);
  EXPECT_NE(lines[6].find("30.02"), std::string::npos) << lines[6];  // 10 log10(1105 / 1.1)
  EXPECT_NE(lines[6].find("4.29x"), std::string::npos);
}

TEST(LayerTable, ShortensLongNames) {
  ModelReport r = sample_report();
  r.layers[0].tensor = "/model/encoder/layers.11/attention/output/dense/MatMul_weight_quantized";
  const std::string table = format_layer_table(r);
  EXPECT_EQ(table.find(r.layers[0].tensor), std::string::npos);
  // 40 characters: the first 18, "...", the last 19.
  EXPECT_NE(table.find("/model/encoder/lay...ul_weight_quantized"), std::string::npos) << table;
}

TEST(LayerTable, ControlCharactersCannotBreakLines) {
  ModelReport r = sample_report();
  r.layers[1].tensor = "fc\nweight\t";
  const std::string table = format_layer_table(r);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 7);
  EXPECT_NE(table.find("fc?weight?"), std::string::npos);
}

TEST(LayerReportJson, ValidWithNullForInfiniteSnr) {
  ModelReport r = sample_report();
  r.layers[0].tensor = "odd \"name\"\\\n\t\x01 caf\xc3\xa9 \xff";  // quotes, controls, UTF-8, a stray byte
  const std::string json = layer_report_json(r);
  EXPECT_TRUE(is_json(json)) << json;
  EXPECT_EQ(json.find("inf"), std::string::npos);
  EXPECT_EQ(json.find("nan"), std::string::npos);
  EXPECT_EQ(json.find('\n'), std::string::npos);  // compact: one line
  EXPECT_NE(json.find("\"snr_db\":null"), std::string::npos);
  EXPECT_NE(json.find("\"layers\":["), std::string::npos);
  EXPECT_NE(json.find("\"model\":\"tiny<net>\""), std::string::npos);
  EXPECT_NE(json.find("\"shape\":[16,3,3,3]"), std::string::npos);
  EXPECT_NE(json.find("\"codec\":\"lut:4,group=32\""), std::string::npos);
  EXPECT_NE(json.find("odd \\\"name\\\"\\\\\\n\\t\\u0001 caf\xc3\xa9 \xef\xbf\xbd"), std::string::npos) << json;
  // A NaN error (a broken layer) is null too, and still valid.
  r.layers[1].error.sum_sq_error = NAN;
  r.layers[1].error.max_abs_error = NAN;
  const std::string with_nan = layer_report_json(r);
  EXPECT_TRUE(is_json(with_nan)) << with_nan;
  EXPECT_EQ(with_nan.find("nan"), std::string::npos);
  EXPECT_TRUE(is_json(layer_report_json(ModelReport{})));
}

TEST(LayerReportJson, CheckerRejectsInvalidJson) {
  EXPECT_TRUE(is_json("{\"a\":[1,-2.5e3,null,true,\"x\"]}"));
  for (const char* bad : {"{\"a\":inf}", "{\"a\":nan}", "{\"a\":1,}", "[1 2]", "{\"a\":\"\x01\"}", "{\"a\":01}",
                          "{\"a\":\"\xff\"}", "{"}) {
    EXPECT_FALSE(is_json(bad)) << bad;
  }
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, SelfContainedWithOneBarPerLayer) {
  ModelReport r = sample_report();
  r.layers[1].tensor = "fc<&>\"weight\"";
  const std::string html = render_html_report(r, "nibble-convert model.onnx out.nbl --weights lut:4 --report <r>.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<rect"), 3u);
  EXPECT_EQ(count(html, "<svg"), 1u);
  EXPECT_EQ(html.find("http"), std::string::npos);  // no external references (not even an xmlns)
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("lossless"), std::string::npos);
  EXPECT_NE(html.find("fc&lt;&amp;&gt;&quot;weight&quot;"), std::string::npos);
  EXPECT_EQ(html.find("fc<&>"), std::string::npos);
  EXPECT_NE(html.find("--report &lt;r&gt;.html"), std::string::npos);
  EXPECT_NE(html.find("tiny&lt;net&gt;"), std::string::npos);
  // Bar colours by SNR band: conv1 at 20 dB is orange, fc at 40 dB green.
  EXPECT_NE(html.find("fill=\"#f08c2a\""), std::string::npos);
  EXPECT_NE(html.find("fill=\"#1a9850\""), std::string::npos);
  EXPECT_EQ(html.find("fill=\"#d7301f\""), std::string::npos);
  // Only the lossless bar spans the whole axis (the axis ends a step
  // above the best finite SNR).
  EXPECT_EQ(count(html, "width=\"480.0\""), 1u);
  // The table: one row per layer plus the total.
  EXPECT_EQ(count(html, "<tr>"), 1u + 3u + 1u + 8u);  // header, layers, total, 8 summary rows
  EXPECT_NE(html.find("total (3 layers)"), std::string::npos);
  EXPECT_EQ(count(html, "<html"), 1u);
  EXPECT_EQ(count(html, "</html>"), 1u);
}

TEST(HtmlReport, RedBarsAndNoLayers) {
  ModelReport r = sample_report();
  r.layers[0].error = stats(432, 10.0, 1.0, 1.0, 1.0);  // 10 dB
  const std::string html = render_html_report(r, "cmd");
  EXPECT_NE(html.find("fill=\"#d7301f\""), std::string::npos);
  const std::string empty = render_html_report(ModelReport{}, "");
  EXPECT_EQ(count(empty, "<rect"), 0u);
  EXPECT_NE(empty.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace nibble::convert::quant
