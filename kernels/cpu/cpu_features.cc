#include "cpu/cpu_features.h"

#include <cpuinfo.h>

#include <cstdio>
#include <cstring>

namespace nibble {
namespace {

void append(char* out, size_t capacity, const char* text) {
  const size_t used = std::strlen(out);
  if (used + 1 >= capacity) return;
  std::snprintf(out + used, capacity - used, "%s", text);
}

CpuFeatures detect() {
  CpuFeatures f;
  std::memset(&f, 0, sizeof(f));
  f.initialized = cpuinfo_initialize();
  if (!f.initialized) {
    std::snprintf(f.description, sizeof(f.description), "unknown CPU (cpuinfo failed); scalar kernels only");
    return f;
  }
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
  f.avx2 = cpuinfo_has_x86_avx2();
  f.fma3 = cpuinfo_has_x86_fma3();
  f.f16c = cpuinfo_has_x86_f16c();
  f.avx512f = cpuinfo_has_x86_avx512f();
  f.avx512bw = cpuinfo_has_x86_avx512bw();
  f.avx512vl = cpuinfo_has_x86_avx512vl();
  f.avx512vnni = cpuinfo_has_x86_avx512vnni();
  f.avx512vbmi = cpuinfo_has_x86_avx512vbmi();
#endif
#if CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
  f.neon = cpuinfo_has_arm_neon();
  f.neon_dotprod = cpuinfo_has_arm_neon_dot();
  f.neon_fp16_arith = cpuinfo_has_arm_neon_fp16_arith();
#endif
  f.num_cores = static_cast<int>(cpuinfo_get_cores_count());
  const cpuinfo_package* package = cpuinfo_get_package(0);
  std::snprintf(f.description, sizeof(f.description), "%s, %d cores:",
                package != nullptr && package->name[0] != '\0' ? package->name : "unnamed CPU",
                f.num_cores);
  const struct {
    bool on;
    const char* name;
  } flags[] = {{f.avx2, " avx2"},         {f.fma3, " fma3"},         {f.f16c, " f16c"},
               {f.avx512f, " avx512f"},   {f.avx512bw, " avx512bw"}, {f.avx512vl, " avx512vl"},
               {f.avx512vnni, " avx512vnni"}, {f.avx512vbmi, " avx512vbmi"},
               {f.neon, " neon"},           {f.neon_dotprod, " dotprod"},
               {f.neon_fp16_arith, " fp16"}};
  for (const auto& flag : flags) {
    if (flag.on) append(f.description, sizeof(f.description), flag.name);
  }
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace nibble
