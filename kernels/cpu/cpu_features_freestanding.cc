// cpu_features() for freestanding builds (bare metal, RTOS): there is no
// cpuinfo and no OS to ask, and one core runs the session. Kernels are
// chosen at compile time (-mcpu); today that means the scalar ones.
#include "cpu/cpu_features.h"

namespace nibble {

const CpuFeatures& cpu_features() {
  // Constant-initialised: no guard variable, no start-up code.
  static constexpr CpuFeatures kFeatures = {
      /*initialized=*/true,
      /*avx2=*/false, /*fma3=*/false, /*f16c=*/false, /*avx512f=*/false, /*avx512bw=*/false, /*avx512vl=*/false,
      /*avx512vnni=*/false, /*avx512vbmi=*/false,
      /*neon=*/false, /*neon_dotprod=*/false, /*neon_fp16_arith=*/false,
      /*num_cores=*/1,
      /*description=*/"freestanding build: scalar kernels"};
  return kFeatures;
}

}  // namespace nibble
