#!/usr/bin/env bash
# The main job on the shipped fixtures, from a fresh clone: install what is
# needed, build, convert ResNet-20 from ONNX, inspect it, classify the
# 1,000 CIFAR-10 test images with both backends.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash .ci/install-deps.sh
cmake --preset release
cmake --build --preset release

build=build/release
set -x
"$build/converter/nibble-convert" tests/fixtures/resnet20_cifar10.onnx -o "$build/resnet20.nbl"
"$build/converter/nibble-inspect" "$build/resnet20.nbl" | tail -n 8
"$build/examples/resnet" -m "$build/resnet20.nbl" --cifar tests/fixtures/cifar10_test_1000.bin
"$build/examples/resnet" -m "$build/resnet20.nbl" --cifar tests/fixtures/cifar10_test_1000.bin --backend reference --limit 200
