#!/usr/bin/env bash
# The main job on the shipped fixtures, from a fresh clone: install what is
# needed, build, convert ResNet-20 from ONNX, inspect it, classify the
# 1,000 CIFAR-10 test images with both backends; then the same model with
# 4-bit learned codebooks (lut:4, 4.5 bits per weight), classified too.
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
"$build/converter/nibble-convert" tests/fixtures/resnet20_cifar10.onnx -o "$build/resnet20_lut4.nbl" --codec lut:4 \
    --report "$build/resnet20_lut4.html"
"$build/examples/resnet" -m "$build/resnet20_lut4.nbl" --cifar tests/fixtures/cifar10_test_1000.bin
