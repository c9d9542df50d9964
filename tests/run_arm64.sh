#!/usr/bin/env bash
# The ARM64 leg: cross-compile everything for aarch64-linux-gnu and run the
# test suite under QEMU user-mode emulation, twice:
#
#   1. qemu-aarch64 -cpu cortex-a72 (ARMv8.0 + NEON, a Raspberry Pi 4):
#      the WHOLE suite, including the golden ResNet-20 test (all 1000 images
#      on XNNPACK with one thread, NIBBLE_GOLDEN_IMAGES=30 for the other
#      cases) and the converter (libonnx/protobuf for arm64) in-process;
#   2. qemu-aarch64 -cpu max (every extension QEMU has: dotprod, fp16, i8mm,
#      SVE2, ...): the suite minus the tests whose code has no variant for
#      those extensions (see the aarch64-max test preset's filter).
#
#   bash tests/run_arm64.sh
#
# Expected runtime on 2 x86-64 cores (measured from clean on the 2-core
# development VM, -j2, at the time of writing): sysroot ~5 s, configure +
# build ~10 min, cortex-a72 suite ~15 min (an emulated ResNet-20 inference
# costs ~0.3 s), max suite ~8 min. A rebuild with no changes takes
# seconds; the test runs are not cached.
#
# Needs: Debian 12 with apt access (for the arm64 packages of the sysroot,
# and to install what is missing below). Binaries are run through
# toolchains/qemu-aarch64.sh (the CMAKE_CROSSCOMPILING_EMULATOR), never
# through binfmt_misc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${NIBBLE_JOBS:-$(nproc)}
sysroot=${NIBBLE_ARM64_SYSROOT:-$root/build/sysroot-arm64}
export NIBBLE_ARM64_SYSROOT=$sysroot
build=$root/build/aarch64

now() { date +%s; }
timings=()
phase_start=0
phase() { echo "== $1"; phase_name=$1; phase_start=$(now); }
phase_done() { timings+=("$(printf '%-44s %4d s' "$phase_name" $(($(now) - phase_start)))"); }
total_start=$(now)

# ------------------------------------------------------------ host packages
phase "host packages"
bash .ci/install-deps.sh  # cmake, ninja, flatc, protoc, libonnx-testdata (read by the tests), ...
cross=(g++-aarch64-linux-gnu qemu-user file)
missing=()
for p in "${cross[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "run_arm64: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
phase_done

# ------------------------------------------------------------------ sysroot
phase "arm64 sysroot ($sysroot)"
bash toolchains/build-arm64-sysroot.sh "$sysroot"
phase_done

# ------------------------------------------------------------------- build
phase "configure + build (preset aarch64, -j$jobs)"
cmake --preset aarch64
cmake --build --preset aarch64 -j "$jobs"
phase_done

# The binaries must be aarch64, and ctest must run them through QEMU.
for bin in examples/resnet converter/nibble-convert tests/e2e/nibble_resnet_golden_tests; do
  if [ -e "$build/$bin" ]; then
    file -b "$build/$bin" | grep -q 'ARM aarch64' || { echo "run_arm64: $bin is not an aarch64 binary:"; file "$build/$bin"; exit 1; }
  fi
done
echo "run_arm64: $(file -b "$build/tests/ops/nibble_reference_ops_test" | cut -d, -f1-2)"
# (Captured first: `ctest | grep -q` would die of SIGPIPE under pipefail.)
listing=$(ctest --test-dir "$build" --show-only=json-v1)
emulated=$(grep -c '"/.*/toolchains/qemu-aarch64.sh"' <<<"$listing" || true)
if [ "$emulated" -eq 0 ]; then
  echo "run_arm64: ctest's test commands do not go through toolchains/qemu-aarch64.sh"
  exit 1
fi
echo "run_arm64: $emulated test commands run through toolchains/qemu-aarch64.sh"

# -------------------------------------------------------------------- tests
phase "ctest -cpu cortex-a72 (whole suite)"
ctest --preset aarch64-cortex-a72 -j "$jobs"
phase_done

phase "ctest -cpu max (the tests with extension-specific code)"
ctest --preset aarch64-max -j "$jobs"
phase_done

echo "== ARM64 leg passed; timings:"
printf '  %s\n' "${timings[@]}"
printf '  %-44s %4d s\n' "total" $(($(now) - total_start))
