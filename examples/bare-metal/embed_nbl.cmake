# Turns a .nbl file into a C/C++ header holding it as a 64-byte aligned
# const array, so the model lives in the program image (flash on a
# microcontroller) and is read in place: nibble copies no weight bytes.
#   cmake -DINPUT=model.nbl -DOUTPUT=model.h -DSYMBOL=kModel -P embed_nbl.cmake
# defines `SYMBOL` (unsigned char[]) and `SYMBOL_size`. Meant for models of
# up to a few MB (CMake's string handling is not fast).
foreach(var INPUT OUTPUT SYMBOL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_nbl.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# 16 bytes a line (CMake's regex has no {n}).
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line_pattern)
string(REGEX REPLACE "(${line_pattern})" "\\1\n  " bytes "${bytes}")

get_filename_component(name ${INPUT} NAME)
file(WRITE ${OUTPUT}.tmp
"// Generated from ${name} by embed_nbl.cmake; do not edit.
#pragma once
#include <stddef.h>

// Aligned to 64 bytes: nibble reads the weights in place and checks it.
// const: it stays in flash / read-only memory.
__attribute__((aligned(64))) static const unsigned char ${SYMBOL}[${size}] = {
  ${bytes}
};
static const size_t ${SYMBOL}_size = ${size};
")
# Only touch the header when it changes (no needless rebuilds).
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
