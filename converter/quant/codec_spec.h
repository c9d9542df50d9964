// Codec spec strings, as users write them on the command line (scripts
// depend on them; docs/CODECS.md lists them):
//   f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1
//   int8 int4 int:BITS            symmetric ints, per channel by default
//   affine:BITS                   scale + zero point, per channel by default
//   pqnt:BITS                     p = 0.56, per channel by default
//   lsq:B                         losiquant's seed formula, C = B + 1 bits
//   log2:BITS                     r searched per tensor by weight MSE
//   lut:BITS                      learned codebook, one e8 scale per 16 weights
// Options follow as ",key=value" or ",flag":
//   group=G | channel | tensor    scale granularity (int, affine, pqnt, log2, lut)
//   calib=METHOD                  int/affine clip range: minmax, percentile[:Q],
//                                 entropy, meanstd[:K], aciq[:laplace|gauss], mse
//   p=P | p=auto                  pqnt power (auto: searched per layer)
//   r=R | r=auto                  log2 steps per octave
//   round=nearest | round=stochastic, seed=N
//   iters=N, weighted=0|1         lut: Lloyd iterations, activation weighting
//   gptq                          GPTQ error-compensating rounding on the
//                                 calibration set (--calib); int, affine,
//                                 pqnt, lsq, log2 and lut
//   scale=f32 | scale=f16 | scale=e8   how scales are stored (e8: one byte,
//                                 2^((c-128)/8))
#pragma once

#include <cstdint>
#include <string>

#include "codec/rounding.h"
#include "codec/weight_layout.h"
#include "converter/quant/calibration.h"

namespace nibble::convert::quant {

enum class CodecKind { kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kInt, kAffine, kPqnt, kLsq, kLog2, kLut };

struct CodecSpec {
  CodecKind kind = CodecKind::kF32;
  int bits = 32;  // code width in bits (lsq: C = B + 1)
  codec::Granularity granularity = codec::Granularity::kChannel;
  int64_t group_size = 0;
  codec::ScaleType scale_type = codec::ScaleType::kF32;
  CalibSpec calib;          // int, affine
  float power = 0.56f;      // pqnt
  bool power_auto = false;
  float steps = 0;          // log2 r; 0 = search
  codec::RoundingMode rounding = codec::RoundingMode::kNearestEven;
  uint64_t seed = 0;
  int iterations = 30;      // lut: Lloyd rounds (12 -> 30: +0.1 dB on ResNet-20)
  bool weighted = true;     // lut: weight errors by activation statistics when --calib is given
  bool gptq = false;        // error-compensating rounding on calibration data (needs --calib)
};

// Throws Error("codec 'TEXT': ...") naming the bad part.
CodecSpec parse_codec_spec(const std::string& text);
// The canonical text (round-trips through parse_codec_spec).
std::string codec_spec_string(const CodecSpec& spec);
// The same codec family at another width (for --target-bpw ladders).
bool has_bits_parameter(CodecKind kind);
bool is_lossless(const CodecSpec& spec);  // f32

}  // namespace nibble::convert::quant
