#!/usr/bin/env bash
# Stripped sizes of the runtime library and the examples for a build tree
# (e.g. build/aarch64): what a device has to carry.
#
#   targets/size_report.sh BUILD_DIR [BUILD_DIR_WITHOUT_XNNPACK]
#
# Sizes are of stripped copies (the build's files are left alone); the
# shared libraries nibble links against (XNNPACK, pthreadpool, cpuinfo) are
# listed separately, since a device may already have them.
set -euo pipefail
build=${1:?usage: size_report.sh BUILD_DIR [BUILD_DIR_WITHOUT_XNNPACK]}
no_xnn=${2:-}

strip_tool=strip
if file "$build/runtime/libnibble.so" 2>/dev/null | grep -q aarch64; then strip_tool=aarch64-linux-gnu-strip; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stripped() {  # prints the stripped size of $1 in bytes, or "-" if absent
  if [ ! -f "$1" ]; then echo "-"; return; fi
  cp "$1" "$tmp/x" && "$strip_tool" --strip-unneeded "$tmp/x" 2>/dev/null && stat -c %s "$tmp/x"
}

row() { printf '%-46s %12s\n' "$1" "$2"; }
row "file ($(basename "$build"))" "bytes"
row "libnibble.so (with XNNPACK backend)" "$(stripped "$build/runtime/libnibble.so")"
[ -n "$no_xnn" ] && row "libnibble.so (without XNNPACK backend)" "$(stripped "$no_xnn/runtime/libnibble.so")"
row "examples/resnet" "$(stripped "$build/examples/resnet")"
row "examples/embed-c (C, shared libnibble)" "$(stripped "$build/tests/install/embed_c")"
row "converter/nibble-convert" "$(stripped "$build/converter/nibble-convert")"
row "converter/nibble-inspect" "$(stripped "$build/converter/nibble-inspect")"
