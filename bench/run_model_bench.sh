#!/usr/bin/env bash
# Batch-1 latency, reference vs XNNPACK at 1 and 2 threads, for ResNet-20
# (shipped) and, when present, ImageNet-shaped ResNet-18 / MobileNetV2
# ONNX files made by the project's export_torchvision.py (python3-torch +
# python3-torchvision):
#
#   bench/run_model_bench.sh [BUILD_DIR] [IMAGENET_ONNX_DIR]
#
# Do not run two benchmarks at once on a 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
imagenet=${2:-$root/build/imagenet-onnx}
work=$build/bench-models
mkdir -p "$work"

models=()
"$build/converter/nibble-convert" "$root/tests/fixtures/resnet20_cifar10.onnx" -o "$work/resnet20.nbl" --quiet
models+=("$work/resnet20.nbl")
for name in resnet18 mobilenet_v2; do
  onnx=$imagenet/${name}_imagenet_random.onnx
  if [ -f "$onnx" ]; then
    "$build/converter/nibble-convert" "$onnx" -o "$work/$name.nbl" --quiet
    models+=("$work/$name.nbl")
  else
    echo "skip $name: $onnx not found (make it with: /usr/bin/python3 export_torchvision.py $imagenet $name; needs python3-torchvision)"
  fi
done
"$build/bench/nibble-bench-models" "${models[@]}"
