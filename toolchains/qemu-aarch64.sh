#!/bin/sh
# Runs an aarch64-linux-gnu program built with toolchains/aarch64-linux-gnu.cmake
# under QEMU user-mode emulation on an x86-64 host:
#
#   toolchains/qemu-aarch64.sh [--sysroot DIR] PROGRAM [ARGS...]
#
# The toolchain file makes this the CMAKE_CROSSCOMPILING_EMULATOR (with
# --sysroot baked in), so ctest and gtest_discover_tests run every test
# binary through it. binfmt_misc is not needed and not relied on.
#
#   libc, libstdc++, ld-linux-aarch64.so.1   the cross toolchain's, /usr/aarch64-linux-gnu (qemu -L)
#   XNNPACK, pthreadpool, cpuinfo, onnx,      the sysroot's (LD_LIBRARY_PATH for the guest only,
#   protobuf, zlib                            so host programs are unaffected)
#
# Environment:
#   NIBBLE_QEMU_CPU       CPU model to emulate (default cortex-a72; `max` =
#                         every feature QEMU implements: dotprod, fp16, i8mm, SVE2, ...)
#   NIBBLE_ARM64_SYSROOT  sysroot when --sysroot is not given (default <repo>/build/sysroot-arm64)
#   NIBBLE_QEMU           the qemu binary (default qemu-aarch64, from Debian's qemu-user)
#   NIBBLE_ARM64_LIBC     the prefix with the aarch64 libc (default /usr/aarch64-linux-gnu)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${NIBBLE_ARM64_SYSROOT:-$root/build/sysroot-arm64}
if [ "${1:-}" = --sysroot ]; then
  [ $# -ge 2 ] || { echo "qemu-aarch64.sh: --sysroot needs a directory" >&2; exit 125; }
  sysroot=$2
  shift 2
fi
[ $# -ge 1 ] || { echo "usage: qemu-aarch64.sh [--sysroot DIR] PROGRAM [ARGS...]" >&2; exit 125; }

qemu=${NIBBLE_QEMU:-qemu-aarch64}
libc=${NIBBLE_ARM64_LIBC:-/usr/aarch64-linux-gnu}
command -v "$qemu" >/dev/null 2>&1 ||
  { echo "qemu-aarch64.sh: $qemu not found (apt-get install qemu-user)" >&2; exit 125; }
[ -e "$libc/lib/ld-linux-aarch64.so.1" ] ||
  { echo "qemu-aarch64.sh: no aarch64 libc in $libc (apt-get install g++-aarch64-linux-gnu)" >&2; exit 125; }
[ -d "$sysroot/usr/lib/aarch64-linux-gnu" ] ||
  { echo "qemu-aarch64.sh: no arm64 sysroot at $sysroot (run toolchains/build-arm64-sysroot.sh)" >&2; exit 125; }

exec "$qemu" -L "$libc" -cpu "${NIBBLE_QEMU_CPU:-cortex-a72}" \
  -E "LD_LIBRARY_PATH=$sysroot/usr/lib/aarch64-linux-gnu:$sysroot/lib/aarch64-linux-gnu" \
  "$@"
