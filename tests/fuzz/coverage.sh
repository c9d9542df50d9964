#!/bin/bash
# Line coverage of the loader (runtime/loader/*.cc) by the model fuzz
# corpora: builds fuzz_model_loader with clang's source-based coverage in
# its own build directory (no sanitizers), replays the corpora once and
# prints llvm-cov's per-file report.
# Usage: tests/fuzz/coverage.sh CORPUS_DIR... (default: the corpora the
#        last tests/run_fuzz.sh left in build/asan/fuzz/run)
# Build directory: build/fuzz-coverage (NIBBLE_COVERAGE_BUILD overrides).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${NIBBLE_COVERAGE_BUILD:-$src/build/fuzz-coverage}
corpora=("$@")
if [[ ${#corpora[@]} -eq 0 ]]; then
  corpora=("$src/build/asan/fuzz/run/fuzz_model_loader" "$src/build/asan/fuzz/run/fuzz_model_fields")
fi

flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
  -DNIBBLE_FUZZ=ON -DNIBBLE_BUILD_CONVERTER=OFF -DNIBBLE_BUILD_EXAMPLES=OFF -DNIBBLE_BUILD_BENCH=OFF > /dev/null
cmake --build "$build" -j2 --target fuzz_model_loader > /dev/null

profiles=$build/profiles
rm -rf "$profiles"
mkdir -p "$profiles"
# -runs=0: execute the corpus inputs once, no fuzzing.
LLVM_PROFILE_FILE="$profiles/%p.profraw" "$build/tests/fuzz/fuzz_model_loader" -runs=0 "${corpora[@]}" \
  > "$profiles/replay.log" 2>&1
llvm-profdata-14 merge -sparse "$profiles"/*.profraw -o "$profiles/merged.profdata"
llvm-cov-14 report "$build/tests/fuzz/fuzz_model_loader" -instr-profile="$profiles/merged.profdata" \
  "$src"/runtime/loader/*.cc
echo "(per-line detail: llvm-cov-14 show $build/tests/fuzz/fuzz_model_loader" \
  "-instr-profile=$profiles/merged.profdata $src/runtime/loader/FILE.cc)"
