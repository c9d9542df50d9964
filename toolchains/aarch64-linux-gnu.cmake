# Cross-compiles nibble for 64-bit ARM Linux (aarch64-linux-gnu) with
# Debian's cross compiler and an arm64 sysroot of Debian packages:
#
#   apt-get install g++-aarch64-linux-gnu qemu-user      # the host side
#   bash toolchains/build-arm64-sysroot.sh               # -> build/sysroot-arm64
#   cmake --preset aarch64 && cmake --build --preset aarch64
#   ctest --preset aarch64-cortex-a72                    # runs under qemu-aarch64
#
# or by hand: cmake -B build/arm64 -G Ninja
#   -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
#   [-DNIBBLE_ARM64_SYSROOT=/path/to/sysroot] [-DNIBBLE_ARM64_ARCH_FLAGS=-mcpu=cortex-a76]
#
# Where things come from:
#   compiler, libc, libstdc++   the cross toolchain (aarch64-linux-gnu-g++, /usr/aarch64-linux-gnu);
#                               no --sysroot: Debian's split layout does not have libc in the sysroot
#   headers, libraries,         the sysroot, through CMAKE_FIND_ROOT_PATH: find_path/find_library/
#   CMake packages              find_package look ONLY there (plus the toolchain's own prefix)
#   programs (flatc, protoc)    ONLY the host: they run at build time (find_program never looks
#                               in the sysroot, which has no flatc anyway)
#   running tests               toolchains/qemu-aarch64.sh as CMAKE_CROSSCOMPILING_EMULATOR
#
# Board presets override NIBBLE_ARM64_ARCH_FLAGS (baseline: -march=armv8-a,
# which runs on every ARMv8 core: Cortex-A53 and up). Like every *_FLAGS_INIT
# it seeds CMAKE_C/CXX_FLAGS when a build directory is first configured:
# give each board its own binaryDir.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

get_filename_component(_nibble_repo "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# Cache variable, else environment, else the default location.
if(NOT NIBBLE_ARM64_SYSROOT)
  if(DEFINED ENV{NIBBLE_ARM64_SYSROOT} AND NOT "$ENV{NIBBLE_ARM64_SYSROOT}" STREQUAL "")
    set(_nibble_sysroot "$ENV{NIBBLE_ARM64_SYSROOT}")
  else()
    set(_nibble_sysroot "${_nibble_repo}/build/sysroot-arm64")
  endif()
  set(NIBBLE_ARM64_SYSROOT "${_nibble_sysroot}" CACHE PATH
      "Debian arm64 sysroot made by toolchains/build-arm64-sysroot.sh")
endif()
set(NIBBLE_ARM64_ARCH_FLAGS "-march=armv8-a" CACHE STRING
    "Target CPU flags for aarch64 builds (board presets: e.g. -mcpu=cortex-a72)")
# try_compile projects re-read this file without the cache: pass both on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES NIBBLE_ARM64_SYSROOT NIBBLE_ARM64_ARCH_FLAGS)

if(NOT EXISTS "${NIBBLE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR
    "aarch64 toolchain: no arm64 sysroot at ${NIBBLE_ARM64_SYSROOT}\n"
    "Build it with: bash ${_nibble_repo}/toolchains/build-arm64-sysroot.sh ${NIBBLE_ARM64_SYSROOT}\n"
    "(or point -DNIBBLE_ARM64_SYSROOT / the NIBBLE_ARM64_SYSROOT environment variable at one).")
endif()

# ------------------------------------------------------------- compilers
find_program(NIBBLE_AARCH64_GCC aarch64-linux-gnu-gcc)
find_program(NIBBLE_AARCH64_GXX aarch64-linux-gnu-g++)
if(NOT NIBBLE_AARCH64_GCC OR NOT NIBBLE_AARCH64_GXX)
  message(FATAL_ERROR "aarch64 toolchain: aarch64-linux-gnu-gcc/g++ not found (apt-get install g++-aarch64-linux-gnu)")
endif()
set(CMAKE_C_COMPILER "${NIBBLE_AARCH64_GCC}")
set(CMAKE_CXX_COMPILER "${NIBBLE_AARCH64_GXX}")

# -ffp-contract=off: GCC fuses a*b+c into one FMA wherever it likes on
# aarch64 (FMA is baseline there; the x86-64 baseline has none), so the same
# reference-op source would round differently depending on inlining and on
# the target. Off, the reference backend gives bit-identical results on
# x86-64 and ARM64, and matches the tests' naive loops exactly
# (RefConv2d.MatchesNaiveLoopBitExactly fails without it). XNNPACK is
# unaffected: it is Debian's prebuilt library with hand-written kernels.
set(CMAKE_C_FLAGS_INIT "${NIBBLE_ARM64_ARCH_FLAGS} -ffp-contract=off")
set(CMAKE_CXX_FLAGS_INIT "${NIBBLE_ARM64_ARCH_FLAGS} -ffp-contract=off")

# The linker resolves the sysroot libraries' own dependencies (libonnx ->
# libprotobuf -> libz, libXNNPACK -> libcpuinfo) in the sysroot, not on the host.
set(_nibble_libdirs "${NIBBLE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu" "${NIBBLE_ARM64_SYSROOT}/lib/aarch64-linux-gnu")
set(_nibble_link "")
foreach(dir IN LISTS _nibble_libdirs)
  string(APPEND _nibble_link " -Wl,-rpath-link,${dir}")
endforeach()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_nibble_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_nibble_link}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_nibble_link}")

# ------------------------------------------------------------ find rules
# find_path(... xnnpack.h) -> <sysroot>/usr/include,
# find_library(... XNNPACK) -> <sysroot>/usr/lib/aarch64-linux-gnu,
# find_package(ONNX/GTest CONFIG) -> <sysroot>/usr/lib/aarch64-linux-gnu/cmake,
# find_program(flatc) -> /usr/bin/flatc (host).
set(CMAKE_FIND_ROOT_PATH "${NIBBLE_ARM64_SYSROOT}" /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ------------------------------------------------------------ running
# ctest, gtest_discover_tests and add_custom_command(... COMMAND <target>)
# run aarch64 programs through QEMU user-mode; NIBBLE_QEMU_CPU picks the CPU.
# Through /bin/sh so a checkout without the executable bit works too.
set(CMAKE_CROSSCOMPILING_EMULATOR "/bin/sh;${_nibble_repo}/toolchains/qemu-aarch64.sh;--sysroot;${NIBBLE_ARM64_SYSROOT}")
