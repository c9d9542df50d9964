#!/usr/bin/env bash
# Stripped sizes of the runtime library and the examples for a build tree
# (e.g. build/aarch64): what a device has to carry.
#
#   targets/size_report.sh BUILD_DIR [BUILD_DIR_WITHOUT_XNNPACK]
#
# Sizes are of stripped copies (the build's files are left alone). The
# shared libraries nibble links against (XNNPACK, pthreadpool, cpuinfo)
# are not included: a device may already have them.
set -euo pipefail
build=${1:?usage: size_report.sh BUILD_DIR [BUILD_DIR_WITHOUT_XNNPACK]}
no_xnn=${2:-}

strip_tool=strip
if file -L "$build/lib/libnibble.so" 2>/dev/null | grep -q aarch64; then strip_tool=aarch64-linux-gnu-strip; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stripped() {  # prints the stripped size of $1 in bytes, or "-" if absent
  if [ ! -f "$1" ]; then echo "-"; return; fi
  cp "$1" "$tmp/x" && "$strip_tool" --strip-unneeded "$tmp/x" 2>/dev/null && stat -c %s "$tmp/x"
}

row() { printf '%-46s %12s\n' "$1" "$2"; }
row "file ($(basename "$build"))" "bytes"
row "lib/libnibble.so (with XNNPACK backend)" "$(stripped "$build/lib/libnibble.so")"
if [ -n "$no_xnn" ]; then row "lib/libnibble.so (without XNNPACK backend)" "$(stripped "$no_xnn/lib/libnibble.so")"; fi
row "examples/resnet (static nibble inside)" "$(stripped "$build/examples/resnet")"
row "examples/bare-metal/bare_metal_demo" "$(stripped "$build/examples/bare-metal/bare_metal_demo")"
row "converter/nibble-convert" "$(stripped "$build/converter/nibble-convert")"
row "converter/nibble-inspect" "$(stripped "$build/converter/nibble-inspect")"
