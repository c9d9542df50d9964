#!/usr/bin/env bash
# The runtime library never ends the process: every failure returns a
# Status. Its undefined symbols (`nm -u`; an archive: of every member) name
# no abort/exit/assert, no std::terminate, and nothing that throws
# (__cxa_throw, __cxa_rethrow, libstdc++'s std::__throw_* helpers, which
# std containers and operator new call on failure). Prints the offenders.
# Usage: check_no_aborts.sh LIBRARY...   (libnibble.so and/or libnibble.a)
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check_no_aborts.sh LIBRARY..." >&2; exit 2; }
# Mangled names: std::terminate() is _ZSt9terminatev, std::__throw_X is
# _ZSt<len>__throw_X.
forbidden='^(abort|__assert_fail|__assert_perror_fail|__assert|exit|_exit|_Exit|quick_exit|__cxa_throw|__cxa_rethrow|_ZSt9terminatev|_ZSt[0-9]+__throw_[A-Za-z_]+)(@.*)?$'
status=0
for lib in "$@"; do
  if [ ! -f "$lib" ]; then
    echo "FAIL: $lib does not exist"
    status=1
    continue
  fi
  case "$lib" in
    *.so*) symbols=$(nm -D -u "$lib" | awk '{print $NF}') ;;
    *) symbols=$(nm -u "$lib" 2>/dev/null | awk 'NF == 2 {print $2}') ;;
  esac
  # A library that calls nothing (nm failed, wrong file) would pass
  # vacuously: it must at least refer to memcpy.
  if ! printf '%s\n' "$symbols" | grep -qE '^memcpy(@.*)?$'; then
    echo "FAIL: nm lists no call to memcpy in $lib: not a runtime library?"
    status=1
    continue
  fi
  offenders=$(printf '%s\n' "$symbols" | grep -E "$forbidden" | sort -u || true)
  if [ -n "$offenders" ]; then
    echo "FAIL: $lib refers to:"
    printf '%s\n' "$offenders" | while read -r s; do echo "  $s ($(echo "$s" | c++filt))"; done
    if [[ "$lib" == *.a ]]; then
      echo "  in members:"
      nm -A -u "$lib" 2>/dev/null | grep -E ": +U ($(printf '%s' "$offenders" | paste -sd'|'))(@.*)?$" | sed 's/^/    /'
    fi
    status=1
  else
    echo "ok: $lib has no abort, exit, assert, terminate or throw"
  fi
done
exit $status
