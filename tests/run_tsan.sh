#!/usr/bin/env bash
# The TSan leg: configures the `tsan` preset (clang-14, -fsanitize=thread),
# builds only the binaries that hold tests labelled `threaded` (sessions
# sharing a model, pthreadpool paths of the fused backend and of
# nibble/quant.h) and runs them. pthreadpool and XNNPACK are Debian's,
# uninstrumented: nibble annotates its own hand-offs to pthreadpool
# (runtime/core/parallelize.h); see docs/THREADING.md.
# Usage: tests/run_tsan.sh [-jN]   (default -j2)
set -euo pipefail
jobs=${1:--j2}
cd "$(dirname "$0")/.."
cmake --preset tsan >/dev/null
cmake --build build/tsan "$jobs" --target nibble_concurrency_tests nibble_runtime_tests nibble_quant_lib_test
ctest --preset tsan "$jobs"
