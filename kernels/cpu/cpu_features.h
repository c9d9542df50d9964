// CPU features the kernels dispatch on, read once from cpuinfo. This is
// the only mutable global state of the library: filled on first use
// (thread-safe static initialisation), read-only afterwards.
#pragma once

namespace nibble {

struct CpuFeatures {
  bool initialized;  // false if cpuinfo could not read this CPU
  // x86
  bool avx2;
  bool fma3;
  bool f16c;
  bool avx512f;
  bool avx512bw;
  bool avx512vl;
  bool avx512vnni;
  bool avx512vbmi;  // vpermb, vpmultishiftqb (the int8 GEMV's VNNI kernels use them)
  // Arm
  bool neon;
  bool neon_dotprod;
  bool neon_fp16_arith;
  int num_cores;
  char description[192];  // one line: model name and the features above
};

const CpuFeatures& cpu_features();

}  // namespace nibble
