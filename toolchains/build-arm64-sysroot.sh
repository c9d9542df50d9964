#!/usr/bin/env bash
# Builds the Debian 12 arm64 sysroot that toolchains/aarch64-linux-gnu.cmake
# cross-compiles against:
#
#   bash toolchains/build-arm64-sysroot.sh [DEST]     # default: build/sysroot-arm64
#
# Debian's arm64 -dev packages cannot be co-installed with the amd64 ones
# the host build uses, so they are not installed: `apt-get download` fetches
# the fixed list below (the versions apt would install, from the host's
# apt sources with the arm64 architecture added) and `dpkg -x` unpacks each
# into DEST. The result:
#
#   DEST/usr/include                        headers (xnnpack.h, onnx/, google/protobuf/, gtest/, ...)
#   DEST/usr/lib/aarch64-linux-gnu          libraries, CMake package files (ONNX, GTest)
#   DEST/lib/aarch64-linux-gnu              libz.so.1 (zlib is not usr-merged in its package)
#
# libc, libstdc++ and libgcc are NOT in DEST: they come from the cross
# toolchain (g++-aarch64-linux-gnu, /usr/aarch64-linux-gnu). Absolute
# symlinks in the packages (libz.so -> /lib/aarch64-linux-gnu/libz.so.1...)
# are rewritten to relative ones so nothing resolves to the host's files.
# No tool from the arm64 packages is used: flatc and protoc are the host's.
#
# Idempotent: DEST/.sysroot-stamp records the package list and the resolved
# versions; when they are unchanged nothing is done (about 2 s). Otherwise
# the sysroot is rebuilt from scratch in DEST.tmp.* and moved into place
# (about 5 s: 18 packages, ~6 MB of downloads, 29 MB unpacked). Needs root (or sudo) only the first
# time, to run `dpkg --add-architecture arm64 && apt-get update`.
set -euo pipefail

# ------------------------------------------------------------------ packages
# -dev packages the build needs and the shared libraries they link, minus
# what the cross toolchain provides (libc6, libgcc-s1, libstdc++6).
# Deliberately absent: flatbuffers-compiler(-dev) and protobuf-compiler
# (arm64 executables; the host's flatc/protoc are used), libbenchmark-dev
# (benchmarks are off in the aarch64 preset), googletest (sources only;
# libgtest-dev ships the static libraries).
packages=(
  libxnnpack-dev libxnnpack0
  libpthreadpool-dev libpthreadpool0
  libcpuinfo-dev libcpuinfo0
  libflatbuffers-dev libflatbuffers2
  libonnx-dev libonnx1 libonnxifi
  libprotobuf-dev libprotobuf32 libprotobuf-lite32
  zlib1g-dev zlib1g
  libgtest-dev libgmock-dev
)
stamp_format=1  # bump when the extraction/fix-up logic changes

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$root/build/sysroot-arm64}
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
stamp=$dest/.sysroot-stamp

say() { echo "arm64-sysroot: $*"; }
die() { echo "arm64-sysroot: error: $*" >&2; exit 1; }

command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
  die "needs a Debian/Ubuntu host (apt-get and dpkg not found)"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "arm64 packages are not configured and neither root nor sudo is available"
  sudo_cmd=(sudo)
fi

# ---------------------------------------------- arm64 in apt (only if needed)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  say "adding the arm64 architecture to dpkg and updating apt's lists"
  "${sudo_cmd[@]}" dpkg --add-architecture arm64
  "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed (are Debian's mirrors reachable?)"
elif ! apt-cache show libc6:arm64 >/dev/null 2>&1; then
  say "arm64 is configured but apt has no arm64 package lists: running apt-get update"
  "${sudo_cmd[@]}" apt-get update -qq || die "apt-get update failed (are Debian's mirrors reachable?)"
fi

# --------------------------------------------- resolve versions (no download)
# `apt-get download --print-uris` resolves each name to the candidate
# version exactly as `apt-get install` would, without downloading.
args=()
for p in "${packages[@]}"; do args+=("$p:arm64"); done
uris=$(apt-get download --print-uris "${args[@]}" 2>&1) ||
  die "apt cannot resolve the arm64 packages:
$uris"
# Lines look like: 'http://.../libonnx1_1.12.0-2+b4_arm64.deb' libonnx1_1.12.0-2+b4_arm64.deb SIZE SHA256:...
resolved=$(printf '%s\n' "$uris" | awk '/^'"'"'/ {print $2}' | sort)
[ "$(printf '%s\n' "$resolved" | grep -c .)" -eq ${#packages[@]} ] ||
  die "expected ${#packages[@]} packages, apt resolved:
$resolved"
want=$(printf 'format %s\n%s\n' "$stamp_format" "$resolved")

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "up to date: $dest (${#packages[@]} packages, stamp $stamp)"
  exit 0
fi

# ----------------------------------------------------- download and extract
say "building $dest from ${#packages[@]} Debian arm64 packages"
mkdir -p "$(dirname "$dest")"
staging=$(mktemp -d "${dest%/}.tmp.XXXXXX")
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/debs" "$staging/root"
say "downloading into $staging/debs"
# apt-get download as root warns that the _apt user cannot write the
# directory; that is harmless (-o silences the sandbox warning).
(cd "$staging/debs" && apt-get download -q -o APT::Sandbox::User=root "${args[@]}") ||
  die "apt-get download failed"
for deb in "$staging"/debs/*.deb; do
  say "  dpkg -x $(basename "$deb")"
  dpkg -x "$deb" "$staging/root" || die "dpkg -x $deb failed"
done

# ------------------------------------------------ absolute -> relative links
# e.g. usr/lib/aarch64-linux-gnu/libz.so -> /lib/aarch64-linux-gnu/libz.so.1.2.13
# would make the linker pick up the host's file (or none).
fixed=0
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case $target in
    /*)
      rel=$(realpath -m --relative-to="$(dirname "$link")" "$staging/root$target")
      ln -sfn "$rel" "$link"
      fixed=$((fixed + 1))
      ;;
  esac
done < <(find "$staging/root" -type l -print0)
say "rewrote $fixed absolute symlink(s) as relative ones"
dangling=$(find "$staging/root" -xtype l -path '*/lib/*' -name '*.so*' -printf '  %P -> %l\n')
[ -z "$dangling" ] || die "dangling library symlinks in the sysroot:
$dangling"

# ------------------------------------------------------------ sanity checks
for f in usr/include/xnnpack.h usr/include/pthreadpool.h usr/include/cpuinfo.h \
         usr/include/flatbuffers/flatbuffers.h usr/include/onnx/onnx_pb.h \
         usr/include/google/protobuf/message.h usr/include/gtest/gtest.h \
         usr/lib/aarch64-linux-gnu/libXNNPACK.so usr/lib/aarch64-linux-gnu/libonnx.so.1 \
         usr/lib/aarch64-linux-gnu/libprotobuf.so usr/lib/aarch64-linux-gnu/libgtest.a \
         usr/lib/aarch64-linux-gnu/cmake/ONNX/ONNXConfig.cmake; do
  [ -e "$staging/root/$f" ] || die "expected $f in the sysroot, it is missing"
done
# ELF e_machine (bytes 18-19) of an aarch64 object is 0xb7 0x00.
machine=$(od -An -tx1 -j18 -N2 "$staging/root/usr/lib/aarch64-linux-gnu/libXNNPACK.so.0" | tr -d ' \n')
[ "$machine" = b700 ] || die "libXNNPACK.so.0 in the sysroot is not an aarch64 library (e_machine $machine)"

# Host flatc generates the schema header; its runtime headers come from the
# sysroot and must be the same flatbuffers version.
host_flatc=$(flatc --version 2>/dev/null | awk '{print $NF}') || true
arm_fb=$(printf '%s\n' "$resolved" | sed -n 's/^libflatbuffers-dev_\([^+-]*\).*/\1/p')
if [ -n "$host_flatc" ] && [ "$host_flatc" != "$arm_fb" ]; then
  say "warning: host flatc is $host_flatc but the sysroot's flatbuffers headers are $arm_fb"
fi

printf '%s\n' "$want" >"$staging/root/.sysroot-stamp"
rm -rf "$dest"
mv "$staging/root" "$dest"
say "done: $dest ($(du -sh "$dest" | cut -f1))"
