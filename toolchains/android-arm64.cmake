# Android arm64-v8a through the Android NDK's own toolchain file.
#
# UNTESTED HERE: Debian's archive has no NDK usable offline, so this file
# is not built or run by CI (the tested ARM64 leg is toolchains/
# aarch64-linux-gnu.cmake under qemu, tests/run_arm64.sh). It is kept
# minimal so that it stays correct by construction.
#
# Use:
#   export ANDROID_NDK=/path/to/android-ndk-r26d          # any NDK r23+
#   cmake -B build/android -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/android-arm64.cmake \
#     [-DANDROID_PLATFORM=android-24] \
#     -DNIBBLE_BUILD_CONVERTER=OFF -DNIBBLE_BUILD_TESTS=OFF -DNIBBLE_BUILD_BENCH=OFF \
#     -DCMAKE_FIND_ROOT_PATH=/path/to/android-arm64-prefix   # XNNPACK, pthreadpool,
#                                                            # cpuinfo, flatbuffers headers
#   cmake --build build/android
#   adb push build/android/examples/resnet model.nbl /data/local/tmp/
#
# The dependencies (XNNPACK, pthreadpool, cpuinfo, flatbuffers' headers) are
# not Debian packages for Android: build them with the same NDK and point
# CMAKE_FIND_ROOT_PATH at their install prefix (the NDK's toolchain file
# only searches its own sysroot and CMAKE_FIND_ROOT_PATH). flatc is found on
# the host. The converter runs on the host, not on the device.
#
# Defaults: ANDROID_ABI arm64-v8a (the only ABI this file is for),
# ANDROID_PLATFORM android-24 (Android 7.0; override with -DANDROID_PLATFORM),
# ANDROID_STL c++_static (nibble's libraries are static and its
# dependencies are C, so the programs need no libc++_shared.so on the
# device; use c++_shared when linking nibble into an app with other C++
# shared libraries).

if(NOT DEFINED ENV{ANDROID_NDK} OR "$ENV{ANDROID_NDK}" STREQUAL "")
  message(FATAL_ERROR
    "android-arm64.cmake: the ANDROID_NDK environment variable is not set.\n"
    "Set it to an Android NDK (r23 or newer), e.g. export ANDROID_NDK=$HOME/android-ndk-r26d; "
    "Debian does not package one.")
endif()
set(_nibble_ndk_toolchain "$ENV{ANDROID_NDK}/build/cmake/android.toolchain.cmake")
if(NOT EXISTS "${_nibble_ndk_toolchain}")
  message(FATAL_ERROR
    "android-arm64.cmake: ANDROID_NDK=$ENV{ANDROID_NDK} is not an NDK: "
    "${_nibble_ndk_toolchain} does not exist.")
endif()

set(ANDROID_ABI arm64-v8a CACHE STRING "Android ABI (this file is for arm64-v8a only)" FORCE)
if(NOT ANDROID_PLATFORM)
  set(ANDROID_PLATFORM android-24 CACHE STRING "Minimum Android API level")
endif()
if(NOT ANDROID_STL)
  set(ANDROID_STL c++_static CACHE STRING "Android C++ runtime")
endif()

include("${_nibble_ndk_toolchain}")

# As in aarch64-linux-gnu.cmake: no FMA contraction, so the reference
# backend rounds exactly as on the other targets (clang contracts by default).
string(APPEND CMAKE_C_FLAGS_INIT " -ffp-contract=off")
string(APPEND CMAKE_CXX_FLAGS_INIT " -ffp-contract=off")

# Programs (flatc) run on the build machine; the NDK file already searches
# libraries and headers only in the NDK sysroot and CMAKE_FIND_ROOT_PATH.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
