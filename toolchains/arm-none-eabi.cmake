# Bare-metal Cortex-M7 (hard float, double-precision FPU) with Debian's
# gcc-arm-none-eabi + newlib:
#   cmake -G Ninja -S . -B build/cortex-m7 -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-none-eabi.cmake
# Builds the freestanding core (NIBBLE_FREESTANDING) and examples/bare-metal.
# Other Cortex-M parts: override NIBBLE_ARM_CPU_FLAGS on the command line
# (e.g. "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16").
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar CACHE FILEPATH "")
set(CMAKE_RANLIB arm-none-eabi-ranlib CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")

# No OS to link a test executable against: check the compilers with a
# static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(NIBBLE_ARM_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16"
    CACHE STRING "Target CPU flags for arm-none-eabi")
# Sections per function/object so the linker (--gc-sections) drops what a
# program does not call: most of the op set, for a small model.
set(CMAKE_C_FLAGS_INIT "${NIBBLE_ARM_CPU_FLAGS} -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${NIBBLE_ARM_CPU_FLAGS} -ffreestanding -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti")
set(CMAKE_ASM_FLAGS_INIT "${NIBBLE_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${NIBBLE_ARM_CPU_FLAGS} -Wl,--gc-sections")

# Libraries and headers come from the cross toolchain only; programs
# (flatc, the host compiler for generators) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(NIBBLE_FREESTANDING ON CACHE BOOL "Freestanding core for bare metal / RTOS" FORCE)
