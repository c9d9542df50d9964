#!/usr/bin/env bash
# libnibble.so exports the public API and nothing else: every defined
# dynamic symbol is a nibble_* C function (nibble/nibble.h, quant.h,
# tokenizer.h) or a member of nibble::Model, nibble::Session,
# nibble::Status, nibble::Tokenizer, or one of the free
# functions nibble::status_code_name, backend_name, cpu_description
# (nibble/nibble.hpp, nibble/status.h). No XNNPACK, FlatBuffers, standard
# library or internal nibble symbols (verify_model, Model::Impl, ...).
# The public entry points the headers declare must all be there.
#
# With INCLUDE_DIR (runtime/include), the exported nibble_* functions are
# also checked against the NIBBLE_API declarations of the C headers
# (nibble/nibble.h, nibble/quant.h, nibble/tokenizer.h), in both directions.
#
# usage: check_exported_symbols.sh path/to/libnibble.so [INCLUDE_DIR]
set -euo pipefail
lib=${1:?usage: check_exported_symbols.sh LIBNIBBLE_SO [INCLUDE_DIR]}
include_dir=${2:-}
[ -f "$lib" ] || { echo "FAIL: $lib does not exist"; exit 1; }

# "TYPE NAME" per defined dynamic symbol, demangled; version suffixes off.
symbols=$(nm -D --defined-only -C "$lib" | sed -E 's/^[0-9a-fA-F]* +//; s/@+[A-Za-z0-9_.]+$//' | sort -u)
[ -n "$symbols" ] || { echo "FAIL: $lib exports nothing"; exit 1; }

public_re='^[TW] (nibble_[a-z0-9_]+'
public_re+='|nibble::(Model|Session|Status|Tokenizer)::(~?[A-Za-z_][A-Za-z0-9_]*|operator=)\(.*\)( const)?'
public_re+='|nibble::(status_code_name|backend_name|cpu_description)\(.*\))$'
# (Members of nested classes such as Model::Impl, which inherit the outer
# class's visibility, do not match: they are internal.)

status=0
bad=$(grep -Ev "$public_re" <<<"$symbols" || true)
if [ -n "$bad" ]; then
  echo "FAIL: $lib exports symbols that are not public API:"
  sed 's/^/  /' <<<"$bad"
  status=1
fi

# Everything the headers declare is there.
for want in nibble_status_string nibble_cpu_description nibble_model_load_buffer nibble_model_load_file \
            nibble_model_free nibble_model_num_inputs nibble_model_num_outputs nibble_model_input_info \
            nibble_model_output_info nibble_model_arena_bytes nibble_model_weight_bytes \
            nibble_session_options_init nibble_session_create nibble_session_free nibble_session_input \
            nibble_session_output nibble_session_run \
            'nibble::Model::from_buffer(' 'nibble::Model::load_file(' 'nibble::Model::~Model()' \
            'nibble::Session::create(' 'nibble::Session::run()' 'nibble::Session::~Session()' \
            'nibble::Status::error(' 'nibble::status_code_name(' 'nibble::backend_name(' \
            'nibble::cpu_description(' \
            nibble_quant_context_create nibble_quant_context_destroy nibble_quantize_f32 nibble_dequantize_f32 \
            nibble_quant_params_f32 \
            nibble_tokenizer_create nibble_tokenizer_encode nibble_tokenizer_decode nibble_tokenizer_free \
            'nibble::Tokenizer::from_model(' 'nibble::Tokenizer::encode(' 'nibble::Tokenizer::decode('; do
  if ! grep -qF -- " $want" <<<"$symbols"; then
    echo "FAIL: $lib does not export $want"
    status=1
  fi
done

if [ -n "$include_dir" ]; then
  c_headers=("$include_dir/nibble/nibble.h" "$include_dir/nibble/quant.h" "$include_dir/nibble/tokenizer.h")
  declared=$(cat "${c_headers[@]}" | grep -oE 'NIBBLE_API[^(]*[^a-z0-9_(](nibble_[a-z0-9_]+) *\(' |
    grep -oE 'nibble_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u)
  exported=$(sed -nE 's/^[TW] (nibble_[a-z0-9_]+)$/\1/p' <<<"$symbols" | sort -u)
  for header in "${c_headers[@]}"; do
    grep -q 'NIBBLE_API' "$header" || { echo "FAIL: no NIBBLE_API function found in $header"; status=1; }
  done
  for name in $(comm -23 <(echo "$declared") <(echo "$exported")); do
    echo "FAIL: the C headers declare $name, $lib does not export it"
    status=1
  done
  for name in $(comm -13 <(echo "$declared") <(echo "$exported")); do
    echo "FAIL: $lib exports $name, which no C header (nibble.h, quant.h, tokenizer.h) declares"
    status=1
  done
fi

echo "$lib exports $(wc -l <<<"$symbols") symbols:"
sed 's/^/  /' <<<"$symbols"
[ $status -eq 0 ] && echo "ok: only the public API is exported"
exit $status
