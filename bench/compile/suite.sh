#!/usr/bin/env bash
# Runs compare.sh on the suite models that are present (bench/suite.json, paths under .cache/models) plus
# YOLOv3-tiny from Darknet's cfg with fixed-seed random weights, and prints one table.
#   bench/compile/suite.sh [NAME...]     (default: every suite model found, except vgg16: its ~530 MB of
#                                         weights make one compile take very long; name it to include it)
# Environment: as compare.sh (RUNS, THREADS, STARTS, BENCH_OUT).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODELS="$ROOT/.cache/models"
ROWS="$(mktemp)"; trap 'rm -f "$ROWS" "$ROWS.one"' EXIT

# name|model|name=shape ...  (suite.json's Darknet entry is an ONNX export; the cfg itself is used here)
mapfile -t SUITE < <(/usr/bin/python3 - "$ROOT/bench/suite.json" "$MODELS" <<'PY'
import json, os, sys
suite = json.load(open(sys.argv[1]))
for m in suite["models"]:
    if m["model"].startswith("darknet/"): continue
    shapes = " ".join(f"{k}={'x'.join(map(str, v))}" for k, v in m["inputs"].items())
    print(f"{m['name']}|{os.path.join(sys.argv[2], m['model'])}|{shapes}")
PY
)
CFG=/usr/share/darknet/cfg/yolov3-tiny.cfg
if [[ -f "$CFG" ]]; then
    DARKNET="$MODELS/darknet-random"
    mkdir -p "$DARKNET"
    cp -n "$CFG" "$DARKNET/yolov3-tiny.cfg"
    [[ -f "$DARKNET/yolov3-tiny.weights" ]] || "$ROOT/scripts/bramble" darknet-weights "$DARKNET/yolov3-tiny.cfg" -o "$DARKNET/yolov3-tiny.weights" --seed 1 >&2
    SUITE+=("yolov3-tiny|$DARKNET/yolov3-tiny.cfg|data=1x3x416x416")
fi

for entry in "${SUITE[@]}"; do
    IFS='|' read -r name model shapes <<< "$entry"
    if [[ $# -gt 0 ]]; then [[ " $* " == *" $name "* ]] || continue
    elif [[ $name == vgg16 ]]; then continue; fi
    if [[ ! -f "$model" ]]; then echo "skip $name: $model not found" >&2; continue; fi
    echo "== $name" >&2
    # shellcheck disable=SC2086 # shapes are space-separated name=NxCxHxW words
    "$ROOT/bench/compile/compare.sh" "$model" $shapes > "$ROWS.one"
    cat "$ROWS.one" >&2
    sed -n "s/^ROW [^ ]* /$name /p" "$ROWS.one" >> "$ROWS"
done

echo
echo "threads ${THREADS:-2}, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-16s | %8s %8s %8s %6s | %6s %6s %6s | %9s %9s %9s | %8s %8s %8s | %7s | %5s %8s | %s\n" model "first c" "run" ort "c/run" "cpu c" run "c/run" "median c" run ort "RSS c" run ort "size" same "|Δort|" "weights(packed)+arena MB, originals"
while read -r name cf rf of ratio cl rl ol cr rr orr size same diff w a orig cc rc cratio; do
    printf "%-16s | %7ss %7ss %7ss %6s | %5ss %5ss %6s | %7sms %7sms %7sms | %6sMB %6sMB %6sMB | %5sMB | %5s %8s | %s + %s, %s\n" \
        "$name" "$cf" "$rf" "$of" "$ratio" "$cc" "$rc" "$cratio" "$cl" "$rl" "$ol" "$cr" "$rr" "$orr" "$size" "$same" "$diff" "$w" "$a" "$orig"
done < "$ROWS"
