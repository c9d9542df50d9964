// The accuracy cost of the int8-activation path's table rounding
// (kernels/gemv/gemv_q8_table.h): for pqnt, lsq, log2, normal-quantile
// ("learned-like") and random tables of 2-4 bits, the SNR of the int8
// table against the real one, and the SNR of N(0, 1) weights coded with
// the table (rows of 4096, absmax scale, nearest entry) decoded with the
// real table and with the int8 one. Markdown table on stdout
// (docs/GEMV.md quotes it).
//
//   nibble-gemv-q8-table-snr
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "codec/code_tables.h"
#include "codec/packed_weights.h"
#include "gemv/gemv_q8_table.h"

namespace {

using namespace nibble;

struct Snr {
  double table_db;    // table against its int8 rounding
  double exact_db;    // coded weights, real table
  double rounded_db;  // coded weights, int8 table
};

double db(double signal, double noise) { return noise > 0 ? 10 * std::log10(signal / noise) : INFINITY; }

Snr measure(const float* table, int bits) {
  codec::PackedWeights w;
  w.layout.format = codec::Format::kTable;
  w.layout.bits = bits;
  w.table = table;
  int8_t t[16];
  float f = 0;
  gemv::q8_table(w, t, &f);
  const int n = 1 << bits;
  double s = 0, e = 0;
  float tmax = 0;
  for (int i = 0; i < n; ++i) {
    s += table[i] * table[i];
    e += (table[i] - f * t[i]) * (table[i] - f * t[i]);
    tmax = std::max(tmax, std::fabs(table[i]));
  }
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0, 1);
  double ws = 0, we = 0, wr = 0;
  std::vector<float> row(4096);
  for (int r = 0; r < 64; ++r) {
    float amax = 0;
    for (float& v : row) {
      v = normal(rng);
      amax = std::max(amax, std::fabs(v));
    }
    const float scale = amax / tmax;
    for (float v : row) {
      const uint16_t c = codec::encode_nearest(v / scale, table, bits);
      ws += v * v;
      we += (v - scale * table[c]) * (v - scale * table[c]);
      wr += (v - scale * f * t[c]) * (v - scale * f * t[c]);
    }
  }
  return {db(s, e), db(ws, we), db(ws, wr)};
}

void print(const char* name, int bits, const float* table) {
  const Snr r = measure(table, bits);
  std::printf("| %s | %d | %.1f | %.2f | %.2f | %.2f |\n", name, bits, r.table_db, r.exact_db, r.rounded_db,
              r.exact_db - r.rounded_db);
}

// The normal distribution's quantiles at (i + 1/2) / n.
void normal_quantiles(int n, float* table) {
  for (int i = 0; i < n; ++i) {
    const double p = (i + 0.5) / n;
    double lo = -8, hi = 8;
    for (int k = 0; k < 60; ++k) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    table[i] = static_cast<float>(lo);
  }
}

}  // namespace

int main() {
  std::printf("| table | bits | table SNR (dB) | weight SNR, real table (dB) | int8 table (dB) | loss (dB) |\n");
  std::printf("|---|---|---|---|---|---|\n");
  float t[16];
  for (int b = 4; b >= 2; --b) {
    for (float p : {0.5f, 1.0f}) {
      if (codec::build_pqnt_table(b, p, t)) print(p == 1.0f ? "pqnt p=1" : "pqnt p=0.5", b, t);
    }
    if (b > 2 && codec::build_lsq_table(b, t)) print("lsq", b, t);  // 2-bit lsq holds only 0
    for (float r : {1.0f, 2.0f}) {
      if (codec::build_log2_table(b, r, t)) print(r == 1.0f ? "log2 r=1" : "log2 r=2", b, t);
    }
    normal_quantiles(1 << b, t);
    print("normal quantiles (learned-like)", b, t);
    std::mt19937 rng(static_cast<uint32_t>(b));
    std::uniform_real_distribution<float> uniform(-1, 1);
    double sum = 0, worst = INFINITY, worst_loss = -INFINITY;
    constexpr int kTables = 200;
    for (int k = 0; k < kTables; ++k) {
      for (int i = 0; i < (1 << b); ++i) t[i] = uniform(rng);
      const Snr r = measure(t, b);
      sum += r.table_db;
      worst = std::min(worst, r.table_db);
      worst_loss = std::max(worst_loss, r.exact_db - r.rounded_db);
    }
    std::printf("| random uniform, %d tables (mean / worst) | %d | %.1f / %.1f | | | worst %.2f |\n", kTables, b,
                sum / kTables, worst, worst_loss);
  }
  return 0;
}
