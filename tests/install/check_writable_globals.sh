#!/usr/bin/env bash
# The runtime keeps no mutable global state: every data object in writable
# sections (.data, .bss, thread-local .tdata/.tbss, common) of libnibble.a
# -- the archive of all runtime and kernel objects -- is on the list below
# of write-once, initialise-on-first-use statics. Read-only-after-
# relocation data (.data.rel.ro, RELRO) is not writable and not counted.
#
# usage: check_writable_globals.sh path/to/libnibble.a
set -euo pipefail
lib=${1:?usage: check_writable_globals.sh LIBNIBBLE_A}
[ -f "$lib" ] || { echo "FAIL: $lib does not exist"; exit 1; }

# Demangled names allowed, one extended regex each.
allowed=(
  # kernels/cpu/cpu_features.cc: the CPU-feature table, filled once
  # (thread-safe static initialisation) and read-only afterwards.
  '^(guard variable for )?nibble::cpu_features\(\)::features$'
  # kernels/quant/kernel_dispatch.cc: the quantization kernel table,
  # chosen once from the CPU features and NIBBLE_QUANT_ISA, the same way.
  '^(guard variable for )?nibble::quant::default_kernels\(\)::selected$'
  # kernels/cpu/isa.cc: the fused kernels' level, chosen once from the CPU
  # features and NIBBLE_ISA, the same way.
  '^(guard variable for )?nibble::default_isa\(\)::selected$'
  # runtime/backend/xnnpack/xnnpack_backend.cc: xnn_initialize()'s result,
  # computed once the same way. (XNNPACK's own tables live in libXNNPACK.)
  '^(guard variable for )?nibble::xnnpack::initialize\(\)::status$'
)

# objdump -t: VALUE FLAGS SECTION SIZE NAME; data objects carry flag O,
# thread-locals (STT_TLS) none.
found=$(objdump -t "$lib" |
  awk 'NF >= 4 {
         sect = ""
         for (i = 2; i < NF; ++i) if ($i ~ /^(\.data|\.bss|\.tdata|\.tbss|\*COM\*)/) { sect = $i; break }
         if (sect == "" || sect ~ /^\.data\.rel\.ro/ || $NF == sect) next  # $NF == sect: section symbol
         if (sect !~ /^\.t(data|bss)/ && $0 !~ / O /) next
         print sect "\t" $NF
       }' |
  c++filt | sort -u)

status=0
while IFS=$'\t' read -r section name; do
  [ -n "$name" ] || continue
  ok=0
  for re in "${allowed[@]}"; do
    if [[ $name =~ $re ]]; then ok=1; break; fi
  done
  if [ $ok -eq 1 ]; then
    echo "allowed  $section  $name"
  else
    echo "FAIL     $section  $name  (mutable global state)"
    status=1
  fi
done <<<"$found"

[ $status -eq 0 ] && echo "ok: no mutable global state besides the allowed write-once statics"
exit $status
