#!/usr/bin/env bash
# Installs a nibble build into a temporary prefix and embeds it in a fresh
# C project, the way a user would:
#
#   1. cmake --install BUILD --prefix TMP/prefix; the prefix holds exactly
#      the public headers, libnibble.so/.a, the CMake package, nibble.pc.
#   2. The installed nibble-convert converts the shipped ResNet-20.
#   3. The first CIFAR-10 test image (normalized, CHW) and its PyTorch
#      logits become INPUT.txt and EXPECTED.txt (od + awk).
#   4. examples/embed-c is configured and built as its own project with
#      CMAKE_PREFIX_PATH=TMP/prefix (nibble::nibble, then
#      nibble::nibble_static), and with cc + pkg-config (shared, C99; then
#      static); each binary must print "embed-c: ok". A wrong expectation
#      must make it fail.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER [EXTRA_C_FLAGS [EXTRA_LINK_FLAGS]]
# EXTRA_C_FLAGS (e.g. -fsanitize=address,undefined) go to every compile
# and link of the embedding program, EXTRA_LINK_FLAGS to every link.
set -euo pipefail

build=${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER [EXTRA_C_FLAGS [EXTRA_LINK_FLAGS]]}
source=${2:?source dir}
cc=${3:?C compiler}
extra_flags=${4:-}
extra_link_flags=${5:-}
fixtures=$source/tests/fixtures
example=$source/examples/embed-c

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nibble-install-test.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
prefix=$tmp/prefix

step() { echo "== $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# Runs a program that must print "embed-c: ok" and exit 0.
expect_ok() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out"
    fail "$* exited non-zero"
  fi
  echo "$out" | sed 's/^/   /'
  grep -qx 'embed-c: ok (.*)' <<<"$out" || fail "$* did not print 'embed-c: ok'"
}

# ------------------------------------------------------------- install
step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log"
  fail "cmake --install"
}

libdir=
for d in lib lib64 lib/x86_64-linux-gnu; do
  [ -f "$prefix/$d/pkgconfig/nibble.pc" ] && libdir=$prefix/$d && break
done
[ -n "$libdir" ] || fail "no nibble.pc under $prefix"

headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[ "$headers" = "./nibble/arena_allocator.h ./nibble/nibble.h ./nibble/nibble.hpp ./nibble/quant.h ./nibble/status.h ./nibble/tokenizer.h ./nibble/tokenizer.hpp " ] ||
  fail "installed headers are '$headers', expected exactly nibble/{arena_allocator.h,nibble.h,nibble.hpp,quant.h,status.h,tokenizer.h,tokenizer.hpp}"
for f in libnibble.so libnibble.a cmake/nibble/nibbleConfig.cmake cmake/nibble/nibbleConfigVersion.cmake \
         cmake/nibble/nibbleTargets.cmake; do
  [ -e "$libdir/$f" ] || fail "not installed: $libdir/$f"
done
[ -x "$prefix/bin/nibble-convert" ] || fail "not installed: bin/nibble-convert"
echo "   headers: $headers"

# The public headers compile on their own, with nothing but the prefix on
# the include path: nibble.h, quant.h and tokenizer.h as strict C99,
# nibble.hpp and tokenizer.hpp as C++17.
for c_header in nibble.h quant.h tokenizer.h; do
  echo "#include <nibble/$c_header>" >"$tmp/h.c"
  "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$tmp/h.c" ||
    fail "nibble/$c_header does not compile as C99 on its own"
done
printf '#include <nibble/nibble.hpp>\n#include <nibble/arena_allocator.h>\n#include <nibble/tokenizer.hpp>\n' >"$tmp/h.cc"
"${CXX:-c++}" -std=c++17 -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$tmp/h.cc" ||
  fail "nibble/nibble.hpp, arena_allocator.h and tokenizer.hpp do not compile as C++17 on their own"

# ---------------------------------------------------------------- data
step "model and data"
"$prefix/bin/nibble-convert" "$fixtures/resnet20_cifar10.onnx" -o "$tmp/resnet20.nbl" >"$tmp/convert.log" 2>&1 || {
  cat "$tmp/convert.log"
  fail "installed nibble-convert"
}
# Record 0 of the CIFAR-10 file: 1 label byte, then 3 planes of 32x32
# bytes (R, G, B). Normalized as examples/common/cifar_reader.cc does.
od -An -v -tu1 -j1 -N3072 "$fixtures/cifar10_test_1000.bin" |
  awk 'BEGIN { m[0] = 0.485; m[1] = 0.456; m[2] = 0.406; s[0] = 0.229; s[1] = 0.224; s[2] = 0.225 }
       { for (i = 1; i <= NF; ++i) { c = int(n / 1024); n++; printf "%.9g\n", ($i / 255.0 - m[c]) / s[c] } }' \
  >"$tmp/input.txt"
# Row 0 of the 1000x10 float32 logits.
od -An -v -tf4 -N40 "$fixtures/resnet20_cifar10_fp32_logits.f32" >"$tmp/expected.txt"
[ "$(wc -l <"$tmp/input.txt")" -eq 3072 ] || fail "input.txt has $(wc -l <"$tmp/input.txt") numbers, expected 3072"
[ "$(wc -w <"$tmp/expected.txt")" -eq 10 ] || fail "expected.txt has $(wc -w <"$tmp/expected.txt") numbers, expected 10"
# A wrong expectation: logit 3 (the largest) off by 0.01.
awk '{ for (i = 1; i <= NF; ++i) { v = $i; if (++n == 4) v += 0.01; print v } }' "$tmp/expected.txt" >"$tmp/wrong.txt"

run_all() {
  local bin=$1
  expect_ok "$bin" "$tmp/resnet20.nbl" "$tmp/input.txt" "$tmp/expected.txt"
  if "$bin" "$tmp/resnet20.nbl" "$tmp/input.txt" "$tmp/wrong.txt" >"$tmp/wrong.log" 2>&1; then
    cat "$tmp/wrong.log"
    fail "$bin accepted a wrong expectation"
  fi
  grep -q 'embed-c: MISMATCH' "$tmp/wrong.log" || {
    cat "$tmp/wrong.log"
    fail "$bin did not report the mismatch"
  }
}

# --------------------------------------------------------------- CMake
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
for mode in shared static; do
  step "CMake project examples/embed-c, find_package(nibble), $mode"
  static=OFF
  [ $mode = static ] && static=ON
  if ! cmake -S "$example" -B "$tmp/cmake-$mode" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_FLAGS="$extra_flags" -DCMAKE_EXE_LINKER_FLAGS="$extra_flags $extra_link_flags" \
        -DEMBED_C_STATIC=$static >"$tmp/cmake-$mode.log" 2>&1 ||
     ! cmake --build "$tmp/cmake-$mode" >>"$tmp/cmake-$mode.log" 2>&1; then
    cat "$tmp/cmake-$mode.log"
    fail "building examples/embed-c against the installed package ($mode)"
  fi
  needed=$(readelf -d "$tmp/cmake-$mode/embed_c" | grep NEEDED || true)
  if [ $mode = shared ]; then
    grep -q 'libnibble\.so' <<<"$needed" || fail "embed_c ($mode) does not use libnibble.so"
  else
    ! grep -q 'libnibble\.so' <<<"$needed" || fail "embed_c ($mode) uses libnibble.so"
  fi
  run_all "$tmp/cmake-$mode/embed_c"
done

# ---------------------------------------------------------- pkg-config
step "cc + pkg-config, shared, -std=c99"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pc_libdir=$(pkg-config --variable=libdir nibble)
[ "$(cd "$pc_libdir" && pwd -P)" = "$(cd "$libdir" && pwd -P)" ] || fail "nibble.pc's libdir $pc_libdir is not $libdir"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c99 -pedantic -Wall -Wextra -Werror $extra_flags $extra_link_flags "$example/main.c" $(pkg-config --cflags --libs nibble) \
  -Wl,-rpath,"$pc_libdir" -o "$tmp/embed_c_pc" || fail "cc main.c \$(pkg-config --cflags --libs nibble)"
run_all "$tmp/embed_c_pc"

step "cc + pkg-config --static"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $extra_flags $extra_link_flags "$example/main.c" $(pkg-config --cflags nibble) \
  "$pc_libdir/libnibble.a" $(pkg-config --libs-only-other --static nibble) \
  $(pkg-config --libs-only-l --static nibble | sed 's/-lnibble\b//') -o "$tmp/embed_c_pc_static" ||
  fail "cc main.c libnibble.a \$(pkg-config --static ...)"
run_all "$tmp/embed_c_pc_static"

echo "install test: ok"
