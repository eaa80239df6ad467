#!/usr/bin/env bash
# Checks that the committed baseline models give the same predictions in Bramble's inference session
# and in ONNX Runtime on the first N Fashion-MNIST test images (default 100).
#   scripts/verify-baselines.sh [N]
# Needs: dataset-fashion-mnist, python3-numpy (Debian's /usr/bin/python3), onnxruntime-node in .cache/ort
# (scripts/fetch-models.sh). BRAMBLE="dotnet path/to/Bramble.Cli.dll" overrides the CLI used.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-100}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 - "$N" "$WORK/input.npy" <<'PY'
import gzip, sys, numpy as np
n, out = int(sys.argv[1]), sys.argv[2]
with gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') as f:
    data = np.frombuffer(f.read(), np.uint8, offset=16)
np.save(out, (data[:n * 784].reshape(n, 1, 28, 28) / np.float32(255)).astype(np.float32))
PY
status=0
for model in "$ROOT"/models/*.onnx; do
    name="$(basename "$model" .onnx)"
    ${BRAMBLE:-"$ROOT/scripts/bramble"} run "$model" --input "input=$WORK/input.npy" --output-dir "$WORK/bramble-$name" >/dev/null
    node "$ROOT/bench/ort/ort-run.js" "$model" --input "input=$WORK/input.npy" --output-dir "$WORK/ort-$name" >/dev/null
    /usr/bin/python3 - "$name" "$WORK/bramble-$name/logits.npy" "$WORK/ort-$name/logits.npy" <<'PY' || status=1
import sys, numpy as np
name, a, b = sys.argv[1], np.load(sys.argv[2]), np.load(sys.argv[3])
same = int((a.argmax(1) == b.argmax(1)).sum())
print(f"{name}: {same}/{len(a)} same argmax, max |logit difference| {np.abs(a - b).max():.2e}")
sys.exit(0 if same == len(a) else 1)
PY
done
exit $status
