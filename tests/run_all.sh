#!/usr/bin/env bash
# Every test, from a fresh clone: install what is needed, then
#   1. release build (GCC): the whole suite;
#   2. ASan + UBSan build (clang-14, with the libFuzzer targets): the whole
#      suite again, then every fuzz target for a fixed seed and number of
#      executions (tests/run_fuzz.sh ci: reproducible, about 30 s each);
#   3. TSan build of the tests labelled `threaded` (tests/run_tsan.sh);
#   4. freestanding Cortex-M7 build (arm-none-eabi), its demo run on QEMU's
#      mps2-an500 board;
#   5. aarch64 cross build, the suite under qemu-aarch64 with -cpu
#      cortex-a72 and -cpu max.
# Benchmarks and long fuzzing runs are not part of this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

bash .ci/install-deps.sh

echo "== release build and tests"
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== ASan + UBSan build and tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

echo "== fuzz targets under ASan + UBSan"
bash tests/run_fuzz.sh ci build/asan

echo "== TSan: the threaded tests"
bash tests/run_tsan.sh -j"$jobs"

echo "== freestanding Cortex-M7 build"
bash tests/run_freestanding.sh

echo "== aarch64 cross build, tests under QEMU"
bash tests/run_arm64.sh
