#!/usr/bin/env bash
# The GPT-2 codec table: the shipped gpt2-shakespeare checkpoint converted
# with every codec at 8, 5, 4 and 3 bits, each model's perplexity on the
# held-out val.txt (the fixture's protocol: non-overlapping windows of
# n_positions tokens). Prints one Markdown row per codec: bits per weight
# of the quantized tensors (codes + scales + zero points + tables), model
# file bytes, weight SNR, perplexity and its change against FP32.
#
#   bench/gpt2_ppl_table.sh [BUILD_DIR] [CODEC ...]   (default build/release, every codec)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
shift || true
convert=$build/converter/nibble-convert
gpt2=$build/examples/gpt2
fixture=$root/tests/fixtures/gpt2-shakespeare
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ppl_of() { "$gpt2" -m "$1" --perplexity "$fixture/val.txt" --json 2>/dev/null | tail -1 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["ppl"])'; }

"$convert" "$fixture" -o "$tmp/f32.nbl" > /dev/null
base=$(ppl_of "$tmp/f32.nbl")
echo "| codec | bits/weight | model bytes | weight SNR dB | perplexity | vs FP32 |"
echo "|---|---|---|---|---|---|"
echo "| \`f32\` | 32.000 | $(stat -c %s "$tmp/f32.nbl") | inf | $base | +0.00% |"
row() {
  local spec=$1
  "$convert" "$fixture" -o "$tmp/m.nbl" --codec "$spec" > "$tmp/report.txt"
  local bpw snr
  read -r bpw snr < <(awk '/^total/ {print $6, $(NF-1)}' "$tmp/report.txt")
  local ppl; ppl=$(ppl_of "$tmp/m.nbl")
  local delta; delta=$(python3 -c "print('%+.2f%%' % (100.0 * ($ppl / $base - 1)))")
  echo "| \`$spec\` | $bpw | $(stat -c %s "$tmp/m.nbl") | $snr | $ppl | $delta |"
}
if [ $# -gt 0 ]; then
  for spec in "$@"; do row "$spec"; done
  exit 0
fi
for spec in q8_0 int:8 pqnt:8 log2:8 lut:8 \
            q5_0 q5_1 int:5 affine:5,group=32 pqnt:5 log2:5 lut:5 \
            q4_0 q4_1 int:4 affine:4,group=32 pqnt:4 pqnt:4,p=auto log2:4 lsq:3 lut:4 lut:4,group=32 \
            int:3 affine:3,group=32 pqnt:3 log2:3 lut:3 lut:3,group=32; do
  row "$spec"
done
