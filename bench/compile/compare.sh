#!/usr/bin/env bash
# Compiled executable vs `bramble run` vs ONNX Runtime on one model:
#   startup to first result (wall clock of one process that runs once), steady-state latency,
#   peak resident memory, executable size. Usage:
#   bench/compile/compare.sh MODEL.onnx [RUNS]      (compiles into .cache/compiled/<name> if needed)
# Short on purpose: machines are shared; each startup figure is the median of 3 processes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="$1"; RUNS="${2:-20}"
NAME="$(basename "${MODEL%.*}" | tr -c 'A-Za-z0-9\n' '_')"
NAME="M${NAME}"
OUT="${BENCH_OUT:-$ROOT/.cache/compiled}/$NAME"
BRAMBLE="$ROOT/scripts/bramble"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

if [[ ! -x "$OUT/$NAME" ]]; then
    "$BRAMBLE" compile "$MODEL" -o "$OUT" --name "$NAME" >&2
fi
# One random input per model input, shared by all three contenders.
/usr/bin/python3 - "$MODEL" "$WORK" <<'PY'
import sys, numpy as np, onnx
m = onnx.load(sys.argv[1], load_external_data=False)
inits = {i.name for i in m.graph.initializer}
rng = np.random.default_rng(0)
with open(sys.argv[2] + "/inputs.txt", "w") as f:
    for i, inp in enumerate(x for x in m.graph.input if x.name not in inits):
        shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
        path = f"{sys.argv[2]}/in{i}.npy"
        np.save(path, rng.random(shape, dtype=np.float32))
        f.write(f"{inp.name}={path}\n")
PY
mapfile -t INPUTS < "$WORK/inputs.txt"
ARGS=(); for i in "${INPUTS[@]}"; do ARGS+=(--input "$i"); done

median3() { sort -n | sed -n 2p; }
wall() { # prints "seconds peakKB" of one process
    /usr/bin/time -f "%e %M" "$@" > /dev/null 2> "$WORK/time" || { cat "$WORK/time" >&2; return 1; }
    tail -1 "$WORK/time"
}
"$BRAMBLE" --version > /dev/null  # build the CLI outside the measurement
for tool in compiled run; do
    : > "$WORK/$tool"
    for k in 1 2 3; do
        if [[ $tool == compiled ]]; then wall "$OUT/$NAME" "${ARGS[@]}" --output-dir "$WORK/o1" >> "$WORK/$tool"
        else wall "$BRAMBLE" run "$MODEL" "${ARGS[@]}" --output-dir "$WORK/o2" >> "$WORK/$tool"; fi
    done
done
for f in "$WORK"/o1/*.npy; do cmp -s "$f" "$WORK/o2/$(basename "$f")" || echo "WARNING: $(basename "$f") differs from bramble run" >&2; done
c_start=$(cut -d' ' -f1 "$WORK/compiled" | median3); c_rss=$(cut -d' ' -f2 "$WORK/compiled" | median3)
r_start=$(cut -d' ' -f1 "$WORK/run" | median3); r_rss=$(cut -d' ' -f2 "$WORK/run" | median3)
c_lat=$("$OUT/$NAME" "${ARGS[@]}" --bench "$RUNS" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
r_lat=$("$BRAMBLE" bench "$MODEL" -n "$RUNS" 2>/dev/null | grep -io 'median[^0-9]*[0-9.]*' | grep -o '[0-9.]*$' | head -1 || true)
size=$(stat -c %s "$OUT/$NAME")
printf "%-10s %12s %12s %10s %10s\n" tool "first(s)" "median(ms)" "peakMB" "sizeMB"
printf "%-10s %12s %12s %10.1f %10.1f\n" compiled "$c_start" "$c_lat" "$(echo "$c_rss/1024" | bc -l)" "$(echo "$size/1048576" | bc -l)"
printf "%-10s %12s %12s %10.1f %10s\n" "bramble" "$r_start" "${r_lat:-?}" "$(echo "$r_rss/1024" | bc -l)" "-"
if [[ -d "$ROOT/.cache/ort/node_modules" ]]; then
    node "$ROOT/bench/ort/ort-run.js" --help > /dev/null 2>&1 && echo "ORT: see bench/compare.js for steady-state latency; startup:" || true
    ( cd "$ROOT/.cache/ort" && wall node -e "const ort=require('onnxruntime-node');(async()=>{const s=await ort.InferenceSession.create(process.argv[1]);const f={};for(const n of s.inputNames){const d=s.inputMetadata?null:null;}process.exit(0)})()" "$MODEL" ) | awk '{printf "%-10s %12s %12s %10.1f %10s   (session create only)\n", "ort-node", $1, "-", $2/1024, "-"}' || true
fi
