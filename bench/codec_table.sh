#!/usr/bin/env bash
# The codec table of docs/CODECS.md: ResNet-20 converted with every codec
# at 8, 6, 5, 4, 3 and 2 bits, each model classifying the 1,000 shipped
# CIFAR-10 images. Prints one Markdown row per codec: bits per weight
# (codes + scales + zero points + learned tables), model file bytes,
# weight SNR, top-1, and agreement with the FP32 model's top-1.
#
#   bench/codec_table.sh [BUILD_DIR]     (default build/release)
#
# gptq rows calibrate on the last 500 images; their top-1 on the first 500
# (never seen by calibration) is printed too. Takes ~4 minutes on one core.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
convert=$build/converter/nibble-convert
resnet=$build/examples/resnet
fixtures=$root/tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tail -c $((3073 * 500)) "$fixtures/cifar10_test_1000.bin" > "$tmp/calib.bin"

# agreement A B: percent of images whose top-1 class is the same in two
# float32 logit files of 10 classes per image.
agreement() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
n = len(a) // 40
def top(buf, i):
    row = struct.unpack_from('<10f', buf, 40 * i)
    return max(range(10), key=lambda c: row[c])
print('%.1f' % (100.0 * sum(top(a, i) == top(b, i) for i in range(n)) / n))
PY
}

echo "| codec | bits/weight | model bytes | weight SNR dB | top-1 % | agrees with FP32 % | top-1 first 500 % |"
echo "|---|---|---|---|---|---|---|"
row() {
  local spec=$1; shift
  "$convert" "$fixtures/resnet20_cifar10.onnx" -o "$tmp/m.nbl" --codec "$spec" "$@" > "$tmp/report.txt"
  local bpw snr
  read -r bpw snr < <(awk '/^total/ {print $6, $(NF-1)}' "$tmp/report.txt")
  local bytes; bytes=$(stat -c %s "$tmp/m.nbl")
  local top1; top1=$("$resnet" -m "$tmp/m.nbl" --cifar "$fixtures/cifar10_test_1000.bin" --logits-out "$tmp/logits.f32" --json \
      | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["top1"])')
  local first; first=$("$resnet" -m "$tmp/m.nbl" --cifar "$fixtures/cifar10_test_1000.bin" --limit 500 --json \
      | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["top1"])')
  echo "| \`$spec\` | $bpw | $bytes | $snr | $top1 | $(agreement "$tmp/logits.f32" "$fixtures/resnet20_cifar10_fp32_logits.f32") | $first |"
}
row f32
row f16
row bf16
for spec in q8_0 q5_1 q5_0 q4_1 q4_0; do row "$spec"; done
for bits in 8 6 5 4 3 2; do
  row "int:$bits"
  row "affine:$bits,group=32"
  row "pqnt:$bits"
  row "pqnt:$bits,p=auto"
  row "lsq:$((bits - 1))"
  row "log2:$bits"
  row "lut:$bits"
  row "lut:$bits,gptq" --calib "$tmp/calib.bin"
done
