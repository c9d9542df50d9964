#!/bin/bash
# Seed corpora for the fuzz targets, from the shipped fixtures.
# Usage: tests/fuzz/make_seed_corpus.sh BUILD_DIR OUT_DIR
#   BUILD_DIR: a build with NIBBLE_FUZZ=ON (nibble-convert, fuzz_seed_models)
#   OUT_DIR:   gets one directory per target (OUT_DIR/fuzz_model_loader, ...)
# Converted models are kept between runs (conversion under ASan takes a
# while): delete OUT_DIR to rebuild them.
set -euo pipefail

build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$src/tests/fixtures
convert=$build/converter/nibble-convert
onnx_node_tests=/usr/share/libonnx-testdata/data/node

models=$out/models
mkdir -p "$models" "$out/fuzz_safetensors" "$out/fuzz_onnx_import" "$out/fuzz_tokenizer" \
  "$out/fuzz_tokenizer_table"

# --- models: converted fixtures (several codecs) + the tests' builders.
convert_once() {  # NAME INPUT ARGS...
  local name=$1 input=$2
  shift 2
  [[ -s $models/$name.nbl ]] && return 0
  "$convert" "$input" -o "$models/$name.nbl.tmp" -q "$@"
  mv "$models/$name.nbl.tmp" "$models/$name.nbl"
}
convert_once resnet20_f32 "$fixtures/resnet20_cifar10.onnx"
convert_once resnet20_q4_0 "$fixtures/resnet20_cifar10.onnx" --codec q4_0
convert_once resnet20_int4 "$fixtures/resnet20_cifar10.onnx" --codec int:4
convert_once resnet20_lut4 "$fixtures/resnet20_cifar10.onnx" --codec lut:4
convert_once gpt2_q4_0_16 "$fixtures/gpt2-shakespeare" --max-tokens 16 --codec q4_0
"$build/tests/fuzz/fuzz_seed_models" "$models"
# Both model targets start from the same files (libFuzzer writes new
# inputs into the first corpus directory, so each target gets its own copy).
for target in fuzz_model_loader fuzz_model_fields; do
  mkdir -p "$out/$target"
  cp "$models"/*.nbl "$out/$target/"
done

# --- safetensors: the GPT-2 fixture cut down to its first tensors (the
# full file is 15 MB), plus small files of each dtype and with metadata.
python3 - "$fixtures/gpt2-shakespeare/model.safetensors" "$out/fuzz_safetensors" <<'PY'
import json, struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
n = struct.unpack('<Q', data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]

def write(name, entries, meta=None):
    h, blob = {}, b''
    if meta is not None:
        h['__metadata__'] = meta
    for key, dtype, shape, raw in entries:
        h[key] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(h).encode()
    text += b' ' * (-len(text) % 8)
    open(out + '/' + name, 'wb').write(struct.pack('<Q', len(text)) + text + blob)

small = sorted((k for k in header if k != '__metadata__'),
               key=lambda k: header[k]['data_offsets'][1] - header[k]['data_offsets'][0])[:6]
write('gpt2_small_tensors.safetensors',
      [(k, header[k]['dtype'], header[k]['shape'],
        body[header[k]['data_offsets'][0]:header[k]['data_offsets'][1]]) for k in small],
      header.get('__metadata__'))
f32 = struct.pack('<4f', 1.0, -2.0, 0.5, 3.0)
write('dtypes.safetensors', [
    ('a', 'F32', [2, 2], f32), ('b', 'F16', [4], struct.pack('<4H', 0x3c00, 0xc000, 0x7c00, 0x0001)),
    ('c', 'BF16', [2], struct.pack('<2H', 0x3f80, 0x7fc0)), ('d', 'I64', [1], struct.pack('<q', -1)),
    ('e', 'U8', [3], b'\x01\x02\x03'), ('f', 'BOOL', [1], b'\x01'), ('g', 'F32', [0], b'')],
    {'format': 'pt'})
write('scalar.safetensors', [('s', 'F32', [], struct.pack('<f', 7.0))])
write('empty.safetensors', [])
PY

# --- ONNX: the ResNet-20 fixture and small node tests of the ops the
# importer knows.
cp "$fixtures/resnet20_cifar10.onnx" "$out/fuzz_onnx_import/"
for t in test_conv_with_strides_padding test_gemm_default_matrix_bias test_relu test_add_bcast test_matmul_2d \
         test_reshape_reordered_all_dims test_maxpool_2d_pads test_averagepool_2d_pads test_globalaveragepool \
         test_softmax_axis_1 test_concat_2d_axis_1 test_transpose_default test_constant_pad test_slice \
         test_batchnorm_example test_clip_example test_flatten_axis1 test_mul_bcast test_layer_normalization_2d_axis1 \
         test_gelu_tanh_1; do
  [[ -f $onnx_node_tests/$t/model.onnx ]] && cp "$onnx_node_tests/$t/model.onnx" "$out/fuzz_onnx_import/$t.onnx"
done

# --- tokenizer: pieces of the validation text, and bytes that are not
# valid UTF-8 or exercise the pre-tokenizer's classes.
split -b 2048 -a 2 "$fixtures/gpt2-shakespeare/val.txt" "$out/fuzz_tokenizer/val_"
printf 'Hello, world! It'"'"'s 2024; naïve café — 東京 😀\n\t  x' > "$out/fuzz_tokenizer/unicode.txt"
printf '\xff\xfe\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80abc\x80' > "$out/fuzz_tokenizer/invalid_utf8.bin"
: > "$out/fuzz_tokenizer/empty.txt"

# --- tokenizer tables (fuzz_tokenizer_table.cc: merge count, edit count,
# merges, edits, text).
printf '\x00\x00hello world' > "$out/fuzz_tokenizer_table/bytes_only.bin"
printf '\x03\x00\x61\x00\x62\x00\x00\x01\x63\x00\x20\x00\x20\x00abc abc  ab' > "$out/fuzz_tokenizer_table/merges.bin"
printf '\x01\x01\x61\x00\x61\x00\x00\x05\x00\x07\x00\x00\x00aaaa' > "$out/fuzz_tokenizer_table/bad_offset.bin"

for d in "$out"/fuzz_*; do
  printf '%-24s %4d files %8d KiB\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)" "$(du -sk "$d" | cut -f1)"
done
