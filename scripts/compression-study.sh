#!/usr/bin/env bash
# Accuracy study of Bramble's compression commands on a Fashion-MNIST classifier, one summary table at the end:
#   - magnitude pruning to 70 / 80 / 90 % sparsity, fine-tuned
#   - structured pruning to half the MACs, fine-tuned
#   - PCA decomposition (asymmetric) at 2x and 4x less measured conv time, without and with fine-tuning
#   - spatial SVD and flattening (CP) at 2x less measured conv time, without and with fine-tuning
#
#   scripts/compression-study.sh [MODEL]          # MODEL defaults to models/vgg.onnx
#
# Settings (environment variables):
#   EPOCHS=1          fine-tuning epochs of every run
#   FT_IMAGES=0       fine-tune on the first N training images only (0 = all 60,000)
#   TEST_COUNT=10000  test images for top-1
#   SCHEDULE=one-shot magnitude pruning schedule: one-shot or gradual (4 steps, fine-tuning between)
#   THREADS=1         worker threads (1: latencies are measured in thread CPU time, robust on a shared machine)
#   TIMING_BATCH=8    batch size decomposition times layers at (--timing-batch): 28x28 inputs at batch 1 are
#                     dominated by per-layer fixed costs; latency is then also reported at this batch
#   PARTS="prune decompose"  which groups of runs to do
#   DECOMPOSE="pca-asym-1.5x pca-asym-2x pca-asym-4x spatial-2x flatten-2x"  which decompositions (METHOD-SPEEDUPx,
#                     pca-asym-* = asymmetric PCA; spatial-*, flatten-*); a speedup no rank reaches is reported as a warning
#   OUT=DIR           where the compressed models, logs and JSON summaries go (default: a new temporary directory)
#   BRAMBLE=CMD       the CLI to run (default: scripts/bramble, which rebuilds when sources change)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="${1:-$ROOT/models/vgg.onnx}"
EPOCHS="${EPOCHS:-1}"
FT_IMAGES="${FT_IMAGES:-0}"
TEST_COUNT="${TEST_COUNT:-10000}"
SCHEDULE="${SCHEDULE:-one-shot}"
THREADS="${THREADS:-1}"
TIMING_BATCH="${TIMING_BATCH:-8}"
PARTS="${PARTS:-prune decompose}"
OUT="${OUT:-$(mktemp -d -t bramble-study.XXXXXX)}"
mkdir -p "$OUT"
[[ -f "$MODEL" ]] || { echo "compression-study: model '$MODEL' not found" >&2; exit 66; }
command -v jq >/dev/null || { echo "compression-study: needs jq to build the summary table" >&2; exit 69; }

read -r -a BRAMBLE <<<"${BRAMBLE:-$ROOT/scripts/bramble}"
COMMON=(--dataset fashion-mnist --test-count "$TEST_COUNT" --threads "$THREADS")
TUNE=(--finetune "$EPOCHS" --finetune-images "$FT_IMAGES")

run() {  # run NAME bramble-arguments...: log to OUT/NAME.log, summary to OUT/NAME.json
    local name="$1"; shift
    echo "== $name: bramble $*" >&2
    local start=$SECONDS
    if ! "${BRAMBLE[@]}" "$@" "${COMMON[@]}" -o "$OUT/$name.onnx" --json "$OUT/$name.json" >"$OUT/$name.log" 2>&1; then
        echo "compression-study: '$name' failed; last lines of $OUT/$name.log:" >&2
        tail -5 "$OUT/$name.log" >&2
        return 1
    fi
    grep -E '^top-1 [a-z -]+: [0-9.]+% on' "$OUT/$name.log" >&2 || true
    echo "   ($((SECONDS - start)) s)" >&2
}

echo "compression-study: $MODEL, fine-tuning $EPOCHS epoch(s) on ${FT_IMAGES/#0/all} training images, top-1 on $TEST_COUNT test images; output in $OUT" >&2
if [[ " $PARTS " == *" prune "* ]]; then
    for s in 70 80 90; do
        run "magnitude-$s" prune "$MODEL" --method magnitude --sparsity "0.$s" --schedule "$SCHEDULE" "${TUNE[@]}"
    done
    run structured-2x prune "$MODEL" --method structured --speedup 2 "${TUNE[@]}"
fi
if [[ " $PARTS " == *" decompose "* ]]; then
    # One run gives both rows: top-1 right after decomposition and after fine-tuning the decomposed model.
    # --speedup is measured conv time (--cost time): each layer and its replacement timed at candidate ranks.
    DEC=(--calib-count 64 --eval-count 200 --timing-batch "$TIMING_BATCH")
    for name in ${DECOMPOSE:-pca-asym-1.5x pca-asym-2x pca-asym-4x spatial-2x flatten-2x}; do
        x="${name##*-}"; x="${x%x}"
        case "$name" in
            pca-asym-*) run "$name" decompose "$MODEL" --method pca --asymmetric --speedup "$x" "${DEC[@]}" "${TUNE[@]}" ;;
            spatial-*|flatten-*) run "$name" decompose "$MODEL" --method "${name%%-*}" --speedup "$x" "${DEC[@]}" "${TUNE[@]}" ;;
            *) echo "compression-study: unknown decomposition '$name'" >&2; exit 64 ;;
        esac
    done
fi

pct() { jq -r "if .$1 == null then \"-\" else (.$1 * 10000 | round / 100 | tostring) + \"%\" end" "$2"; }
printf '\n%-14s %-26s %9s %11s %11s %9s %22s %22s %10s  %s\n' method setting "top-1" "compressed" "fine-tuned" "change" "MACs" "latency ms (fastest)" "file" "decomposed layers, timed"
for j in "$OUT"/*.json; do
    f="$(basename "$j" .json)"
    [[ -f "$j" ]] || continue
    change=$(jq -r 'if .top1FineTuned == null then "-" else ((.top1FineTuned - .top1Before) * 10000 | round / 100 | tostring) + " pt" end' "$j")
    timed=$(grep -oE '^timed layers \(.*' "$OUT/$f.log" | sed -E 's/^timed layers \(ms \(([^)]*)\)\): /\1: /' || true)
    printf '%-14s %-26s %9s %11s %11s %9s %22s %22s %10s  %s\n' \
        "$(jq -r .method "$j" | cut -c1-14)" "$(jq -r .setting "$j")" "$(pct top1Before "$j")" "$(pct top1Compressed "$j")" "$(pct top1FineTuned "$j")" "$change" \
        "$(jq -r '"\(.macsBefore) -> \(.macsAfter)"' "$j")" \
        "$(jq -r '"\(.latencyMsBefore * 1000 | round / 1000) -> \(.latencyMsAfter * 1000 | round / 1000)"' "$j")" \
        "$(jq -r '"\(.fileBytes / 1024 | round) KiB"' "$j")" "${timed:--}"
done
echo "(compressed = right after pruning/decomposition; fine-tuned = after $EPOCHS epoch(s); file = ONNX with sparse initializers where smaller;"
echo " latency = whole model at batch 1; decomposed layers = the candidate convs timed alone at batch $TIMING_BATCH before -> after)"
for log in "$OUT"/*.log; do
    f="$(basename "$log" .log)"
    grep -E '^(latency \(batch [0-9]+,|warning:)' "$log" | sed "s/^/  $f: /" || true
done
