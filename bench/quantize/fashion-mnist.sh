#!/usr/bin/env bash
# Int8 accuracy of the Fashion-MNIST baselines (models/*.onnx): every eligible layer int8 (no keep-float search,
# no speed check), calibrated on 64 training images, top-1 on the whole test split against the float model.
#   bench/quantize/fashion-mnist.sh [OUT_DIR] [extra quantize options, e.g. --weight-bits 8]
# BRAMBLE may name the CLI to use (default scripts/bramble); MODELS may list the baselines (default all four).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$ROOT/.cache/quantize/fashion-mnist}"
shift || true
bramble="${BRAMBLE:-$ROOT/scripts/bramble}"
mkdir -p "$out"
top1() { "$bramble" eval "$1" --dataset fashion-mnist -t 1 2>/dev/null | grep -oE 'top-1[^0-9]*[0-9.]+ ?%' | grep -oE '[0-9.]+ ?%' | head -1; }
printf '%-10s %10s %10s\n' model float int8
for name in ${MODELS:-lenet vgg resnet mobilenet}; do
    "$bramble" quantize "$ROOT/models/$name.onnx" --dataset fashion-mnist --samples 64 --min-cosine 0 --min-layer-speedup 0 \
        -t 1 -o "$out/$name.int8.onnx" "$@" >"$out/$name.log" 2>&1
    printf '%-10s %10s %10s\n' "$name" "$(top1 "$ROOT/models/$name.onnx")" "$(top1 "$out/$name.int8.onnx")"
done
