#!/usr/bin/env bash
# The main job on the shipped fixtures, from a fresh clone: install what is
# needed, build, convert ResNet-20 from ONNX, inspect it, classify the
# 1,000 CIFAR-10 test images with both backends; then the same model with
# 4-bit learned codebooks (lut:4, 4.5 bits per weight), classified too.
# Then the shipped GPT-2 (a 4-layer Hugging Face checkpoint trained on
# Shakespeare): converted in FP32 and with 4-bit codes, each generating
# text from a prompt and scoring the held-out text's perplexity.
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

gpt2_dir=tests/fixtures/gpt2-shakespeare
"$build/converter/nibble-convert" "$gpt2_dir" -o "$build/gpt2.nbl"
"$build/examples/gpt2" -m "$build/gpt2.nbl" -p "ROMEO:" -n 64
"$build/examples/gpt2" -m "$build/gpt2.nbl" --perplexity "$gpt2_dir/val.txt"
"$build/converter/nibble-convert" "$gpt2_dir" -o "$build/gpt2_q4.nbl" --codec q4_0 | tail -n 3
"$build/examples/gpt2" -m "$build/gpt2_q4.nbl" -p "ROMEO:" -n 64 --temperature 0.8 --top-k 40 --seed 1
"$build/examples/gpt2" -m "$build/gpt2_q4.nbl" --perplexity "$gpt2_dir/val.txt"
