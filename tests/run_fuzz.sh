#!/bin/bash
# Runs every libFuzzer target for a bounded time with ASan+UBSan.
# Usage: tests/run_fuzz.sh [SECONDS|ci] [BUILD_DIR]
#   SECONDS:   per target (default 60), a random seed each run: exploration
#   ci:        the CI leg: a fixed seed, no corpus reloads and a fixed
#              number of executions per target (about 30 s each here),
#              capped at 180 s. Runs are then alike from machine to machine,
#              though not bit-identical (the sessions' worker threads make
#              coverage vary a little); docs/FUZZING.md.
#   BUILD_DIR: a build with NIBBLE_FUZZ=ON, built (default build/asan,
#              the asan preset); this script builds nothing.
# Seeds come from tests/fuzz/make_seed_corpus.sh (kept in
# BUILD_DIR/fuzz/seeds); each run works on a fresh copy under
# BUILD_DIR/fuzz/run. Exit status: non-zero if any target found a crash,
# leak, sanitizer report, timeout or out-of-memory; the input is left in
# BUILD_DIR/fuzz/artifacts/TARGET/ (docs/FUZZING.md: reproducing).
set -uo pipefail

seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${2:-$src/build/asan}" && pwd) || exit 2
targets=(fuzz_model_loader fuzz_model_fields fuzz_safetensors fuzz_onnx_import fuzz_tokenizer fuzz_tokenizer_table)
# Executions per target in ci mode (about 30 s each at this machine's rates).
declare -A ci_runs=([fuzz_model_loader]=60000 [fuzz_model_fields]=30000 [fuzz_safetensors]=1000000
                    [fuzz_onnx_import]=600000 [fuzz_tokenizer]=80000 [fuzz_tokenizer_table]=300000)
budget="$seconds s per target"
[[ $seconds == ci ]] && budget="ci mode: seed 1, fixed executions per target"
declare -A dict=([fuzz_model_loader]=model [fuzz_model_fields]=model [fuzz_safetensors]=safetensors)

for t in "${targets[@]}"; do
  if [[ ! -x $build/tests/fuzz/$t ]]; then
    echo "run_fuzz: $build/tests/fuzz/$t is missing (configure with NIBBLE_FUZZ=ON, e.g. the asan preset, and build)" >&2
    exit 2
  fi
done

seeds=$build/fuzz/seeds
"$src/tests/fuzz/make_seed_corpus.sh" "$build" "$seeds" || { echo "run_fuzz: making the seed corpora failed" >&2; exit 2; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:handle_abort=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
printf '\n%-22s %10s %8s %6s %6s %7s  %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  run=$build/fuzz/run/$t
  artifacts=$build/fuzz/artifacts/$t
  rm -rf "$run" "$artifacts"
  mkdir -p "$run" "$artifacts"
  cp "$seeds/$t"/* "$run/"
  if [[ $seconds == ci ]]; then
    args=(-seed=1 -reload=0 -runs="${ci_runs[$t]}" -max_total_time=180)
  else
    args=(-max_total_time="$seconds")
  fi
  args+=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [[ -n ${dict[$t]:-} ]] && args+=(-dict="$src/tests/fuzz/dicts/${dict[$t]}.dict")
  # libFuzzer truncates inputs to 1 MiB unless told otherwise: the
  # converted GPT-2 seed (2.4 MB) would never load.
  [[ $t == fuzz_model_* ]] && args+=(-max_len=4194304)
  log=$build/fuzz/$t.log
  "$build/tests/fuzz/$t" "${args[@]}" "$run" > "$log" 2>&1
  status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<< "$last" | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' <<< "$last" | grep -o '[0-9]*')
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<< "$last" | cut -d' ' -f2)
  result=ok
  if [[ $status -ne 0 ]] || ls "$artifacts"/* > /dev/null 2>&1; then
    result="FOUND (exit $status; $log, $artifacts)"
    failed+=("$t")
  fi
  printf '%-22s %10s %8s %6s %6s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "run_fuzz: findings in: ${failed[*]}" >&2
  for t in "${failed[@]}"; do
    echo "---- $t" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$build/fuzz/$t.log" | head -20 >&2
  done
  exit 1
fi
echo "run_fuzz: no findings ($budget)"
