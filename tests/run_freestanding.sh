#!/usr/bin/env bash
# The freestanding (bare-metal) build, end to end:
#   1. configure + build with toolchains/arm-none-eabi.cmake (Cortex-M7):
#      the core libraries and examples/bare-metal;
#   2. the demo links; sizes of the core libraries and the image;
#   3. the core libraries reference no hosted dependency (threads, cpuinfo,
#      XNNPACK, file I/O), throw nothing, and only the default allocator
#      (core/allocation.cc) calls malloc/free;
#   4. if qemu-system-arm is installed: the demo runs on the mps2-an500
#      board model (Cortex-M7) and prints "bare-metal: ok".
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
# (and qemu-system-arm for step 4), plus the host build's cmake, flatc, c++.
#
# usage: tests/run_freestanding.sh [BUILD_DIR]   (default build/cortex-m7)
# env:   BUILD_TYPE (MinSizeRel), JOBS (2), QEMU_TIMEOUT seconds (120)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/cortex-m7}
build_type=${BUILD_TYPE:-MinSizeRel}
jobs=${JOBS:-2}

fail() {
  echo "run_freestanding: FAILED: $*"
  exit 1
}

for tool in arm-none-eabi-gcc arm-none-eabi-g++ arm-none-eabi-nm arm-none-eabi-size cmake flatc; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib)"
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

echo "== configure $build ($build_type, toolchains/arm-none-eabi.cmake)"
mkdir -p "$build"
cmake "${generator[@]}" -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/toolchains/arm-none-eabi.cmake" \
  -DCMAKE_BUILD_TYPE="$build_type" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; fail "configure"; }
echo "== build"
cmake --build "$build" -j "$jobs" || fail "build"

elf=$build/examples/bare-metal/bare_metal_demo.elf
[ -f "$elf" ] || fail "link: $elf was not produced"
libs=(runtime/libnibble_core.a runtime/libnibble_runtime.a runtime/ops/reference/libnibble_reference_ops.a
      kernels/libnibble_kernels.a runtime/extension/tokenizer/libnibble_tokenizer.a)
for lib in "${libs[@]}"; do [ -f "$build/$lib" ] || fail "missing $lib"; done

echo "== sizes (arm-none-eabi-size, bytes)"
printf '%8s %8s %8s  %s\n' text data bss file
total_text=0
for lib in "${libs[@]}"; do
  read -r text data bss _ < <(arm-none-eabi-size -t "$build/$lib" | tail -1)
  printf '%8s %8s %8s  %s\n' "$text" "$data" "$bss" "$lib"
  total_text=$((total_text + text))
done
printf '%8s %8s %8s  %s\n' "$total_text" "" "" "core libraries, total text"
read -r elf_text elf_data elf_bss _ < <(arm-none-eabi-size "$elf" | tail -1)
printf '%8s %8s %8s  %s\n' "$elf_text" "$elf_data" "$elf_bss" \
  "bare_metal_demo.elf (nibble as linked + newlib-nano + model; bss: 16 KiB arena)"

echo "== symbols the core libraries need"
# Undefined symbols per object: "object symbol".
undefined=$(for lib in "${libs[@]}"; do
  arm-none-eabi-nm -A -u "$build/$lib" | sed -E 's/^[^:]*:([^:]*): *U /\1 /'
done)
forbidden='^(pthread|pthreadpool_|cpuinfo_|xnn_|mmap|munmap|open|close|fstat|read|write|__cxa_throw|__cxa_allocate_exception|_Unwind_|_ZTI|_Znw|_Zna|_Zdl|_Zda)'
bad=$(awk -v re="$forbidden" '$2 ~ re' <<<"$undefined" || true)
[ -z "$bad" ] || { echo "$bad"; fail "the core libraries use hosted or throwing symbols (above)"; }
heap=$(awk '$2 ~ /^(malloc|calloc|realloc|free|aligned_alloc|memalign|posix_memalign)$/ && $1 != "allocation.cc.obj"' \
  <<<"$undefined" || true)
[ -z "$heap" ] || { echo "$heap"; fail "only core/allocation.cc may call the C heap (above)"; }
echo "ok: no threads, cpuinfo, XNNPACK, file I/O, exceptions or operator new; malloc/free only in allocation.cc"

qemu_result="qemu: skipped (qemu-system-arm not installed)"
if command -v qemu-system-arm >/dev/null; then
  echo "== run on QEMU mps2-an500 (Cortex-M7), semihosting"
  log=$build/bare_metal_demo.qemu.log
  status=0
  timeout "${QEMU_TIMEOUT:-120}" qemu-system-arm -M mps2-an500 -cpu cortex-m7 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf" >"$log" 2>&1 </dev/null || status=$?
  cat "$log"
  [ "$status" -ne 124 ] || fail "QEMU run timed out"
  [ "$status" -eq 0 ] || fail "the demo exited with status $status on QEMU"
  grep -q '^bare-metal: ok$' "$log" || fail "QEMU run did not print 'bare-metal: ok'"
  qemu_result="qemu mps2-an500: bare-metal ok, exit 0"
fi

echo "run_freestanding: ok (arm-none-eabi $build_type: link ok, core libraries ${total_text} B text," \
  "image ${elf_text} B text; ${qemu_result})"
