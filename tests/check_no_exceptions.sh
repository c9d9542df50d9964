#!/usr/bin/env bash
# runtime/ and kernels/ are built with -fno-exceptions -fno-rtti: their
# static libraries must not throw (__cxa_throw) nor carry typeinfo for the
# project's own types.
set -euo pipefail
build=${1:?usage: check_no_exceptions.sh BUILD_DIR}
status=0
for lib in runtime/libnibble_core.a runtime/libnibble_runtime.a runtime/ops/reference/libnibble_reference_ops.a \
           runtime/backend/xnnpack/libnibble_xnnpack_backend.a kernels/libnibble_kernels.a \
           runtime/extension/tokenizer/libnibble_tokenizer.a; do
  [ -f "$build/$lib" ] || continue
  # Class typeinfo only: UBSan's -fsanitize=function emits typeinfo for
  # function *signatures* (they contain a parenthesis), which is not RTTI
  # of our types.
  if nm -C "$build/$lib" | grep -E '__cxa_throw|typeinfo (name )?for nibble::[^(]*$'; then
    echo "FAIL: $lib throws or has typeinfo of nibble types"
    status=1
  else
    echo "ok: $lib has no __cxa_throw and no nibble typeinfo"
  fi
done
exit $status
