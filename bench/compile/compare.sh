#!/usr/bin/env bash
# Compiled executable vs `bramble run` vs ONNX Runtime on one model:
#   startup to first result (wall clock of one process that reads the input, runs once and writes the outputs),
#   steady-state latency (median of RUNS in one process), peak resident memory, executable size.
# Usage:
#   bench/compile/compare.sh MODEL name=NxCxHxW [name=...]      (MODEL: .onnx, or a Darknet .cfg with .weights beside it)
# Environment: RUNS (20), THREADS (2, for all three), BENCH_OUT (compiled models, default .cache/compiled),
#   STARTS (processes per startup figure, 5; the median is reported).
# Prints a table and one machine-readable line starting with "ROW" (for suite.sh).
# The compiled executable is made once per model and thread count, and again when Bramble's sources are newer.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -ge 2 ]] || { echo "usage: $0 MODEL name=NxCxHxW [name=...]" >&2; exit 2; }
MODEL="$1"; shift
SHAPES=("$@")
RUNS="${RUNS:-20}"; THREADS="${THREADS:-2}"; STARTS="${STARTS:-5}"
NAME="M$(basename "${MODEL%.*}" | tr -c 'A-Za-z0-9\n' '_')"
OUT="${BENCH_OUT:-$ROOT/.cache/compiled}/$NAME-t$THREADS"
CLI_DLL="$ROOT/src/Bramble.Cli/bin/Release/net10.0/Bramble.Cli.dll"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

"$ROOT/scripts/bramble" --version > /dev/null   # builds the CLI if sources changed, outside every measurement
BRAMBLE=(dotnet "$CLI_DLL")                      # measured without the wrapper script's freshness check
SHAPE_ARGS=(); for s in "${SHAPES[@]}"; do SHAPE_ARGS+=(-s "$s"); done

# Rebuilt when Bramble's sources changed since: the executable contains them.
if [[ ! -x "$OUT/$NAME" || -n "$(find "$ROOT/src/Bramble" -name '*.cs' -newer "$OUT/$NAME" -print -quit)" ]]; then
    "${BRAMBLE[@]}" compile "$MODEL" -o "$OUT" --name "$NAME" -t "$THREADS" "${SHAPE_ARGS[@]}" >&2
fi

# ONNX Runtime reads ONNX only: a Darknet model goes through `bramble export` (same graph, same weights).
ORT_MODEL="$MODEL"
if [[ "$MODEL" == *.cfg ]]; then
    ORT_MODEL="$OUT/$NAME.onnx"
    [[ -f "$ORT_MODEL" ]] || "${BRAMBLE[@]}" export "$MODEL" -o "$ORT_MODEL" > /dev/null
fi

# One random float input per name=shape, shared by all three contenders.
/usr/bin/python3 - "$WORK" "${SHAPES[@]}" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(0)
with open(sys.argv[1] + "/inputs.txt", "w") as f:
    for i, spec in enumerate(sys.argv[2:]):
        name, dims = spec.rsplit("=", 1)
        path = f"{sys.argv[1]}/in{i}.npy"
        np.save(path, rng.random([int(d) for d in dims.split("x")], dtype=np.float32))
        f.write(f"{name}={path}\n")
PY
mapfile -t INPUTS < "$WORK/inputs.txt"
IN_ARGS=(); for i in "${INPUTS[@]}"; do IN_ARGS+=(--input "$i"); done

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
wall() { # appends "seconds peakKB cpuSeconds" of one process to $1 (CPU: user+sys, steadier than wall on a loaded machine)
    local log="$1"; shift
    /usr/bin/time -f "%e %M %U %S" "$@" > /dev/null 2> "$WORK/time" || { cat "$WORK/time" >&2; return 1; }
    tail -1 "$WORK/time" | awk '{print $1, $2, $3 + $4}' >> "$log"
}
ORT_JS="$ROOT/bench/ort/ort-run.js"
HAVE_ORT=0; [[ -d "${BRAMBLE_ORT_DIR:-$ROOT/.cache/ort/node_modules}/onnxruntime-node" ]] && command -v node > /dev/null && HAVE_ORT=1

# Startup: interleaved so that load changes on a shared machine hit all contenders alike.
: > "$WORK/compiled"; : > "$WORK/run"; : > "$WORK/ort"
for ((k = 0; k < STARTS; k++)); do
    wall "$WORK/compiled" "$OUT/$NAME" "${IN_ARGS[@]}" --output-dir "$WORK/o1"
    wall "$WORK/run" "${BRAMBLE[@]}" run "$MODEL" -t "$THREADS" "${SHAPE_ARGS[@]}" "${IN_ARGS[@]}" --output-dir "$WORK/o2"
    if ((HAVE_ORT)); then wall "$WORK/ort" node "$ORT_JS" "$ORT_MODEL" --threads "$THREADS" "${IN_ARGS[@]}" --output-dir "$WORK/o3"; fi
done

SAME=yes
for f in "$WORK"/o2/*.npy; do
    cmp -s "$f" "$WORK/o1/$(basename "$f")" || { SAME=no; echo "WARNING: $(basename "$f"): compiled output differs from bramble run" >&2; }
done
ORT_DIFF="-"
if ((HAVE_ORT)); then
    ORT_DIFF=$(/usr/bin/python3 - "$WORK/o2" "$WORK/o3" <<'PY'
import sys, os, numpy as np
worst = 0.0
for f in os.listdir(sys.argv[1]):
    o = os.path.join(sys.argv[2], f)
    if not os.path.exists(o): continue
    a, b = np.load(os.path.join(sys.argv[1], f)).astype(np.float64), np.load(o).astype(np.float64)
    if a.shape == b.shape: worst = max(worst, float(np.max(np.abs(a - b))) if a.size else 0.0)
print(f"{worst:.1e}")
PY
)
fi

first() { cut -d' ' -f1 "$WORK/$1" | median; }
cpu() { cut -d' ' -f3 "$WORK/$1" | median; }
rss_mb() { cut -d' ' -f2 "$WORK/$1" | median | awk '{printf "%.1f", $1 / 1024}'; }
c_first=$(first compiled); r_first=$(first run)
c_lat=$("$OUT/$NAME" "${IN_ARGS[@]}" --bench "$RUNS" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
c_info=$("$OUT/$NAME" "${IN_ARGS[@]}" --bench 1 | sed -n 's/.*weights \([0-9.]*\) MB.*originals \([0-9.]*\) MB), arena \([0-9.]*\) MB.*/\1 \3 \2/p')
r_lat=$("${BRAMBLE[@]}" bench "$MODEL" -t "$THREADS" "${SHAPE_ARGS[@]}" -n "$RUNS" --json | /usr/bin/python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["latency_median_ms"])')
o_first="-"; o_lat="-"; o_rss="-"
if ((HAVE_ORT)); then
    o_first=$(first ort); o_rss=$(rss_mb ort)
    o_lat=$(node "$ORT_JS" "$ORT_MODEL" --threads "$THREADS" "${IN_ARGS[@]}" --bench "$RUNS" --json | /usr/bin/python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["median_ms"])')
fi
size=$(stat -c %s "$OUT/$NAME" | awk '{printf "%.1f", $1 / 1048576}')
ratio=$(awk -v c="$c_first" -v r="$r_first" 'BEGIN {printf "%.2f", c / r}')
c_cpu=$(cpu compiled); r_cpu=$(cpu run)
cpu_ratio=$(awk -v c="$c_cpu" -v r="$r_cpu" 'BEGIN {printf "%.2f", c / r}')

echo "$(basename "$MODEL") ${SHAPES[*]}  threads $THREADS  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-10s %10s %12s %10s %10s\n" tool "first(s)" "median(ms)" "peakMB" "sizeMB"
printf "%-10s %10s %12s %10s %10s\n" compiled "$c_first" "$c_lat" "$(rss_mb compiled)" "$size"
printf "%-10s %10s %12s %10s %10s\n" bramble "$r_first" "$r_lat" "$(rss_mb run)" "-"
printf "%-10s %10s %12s %10s %10s\n" ort-node "$o_first" "$o_lat" "$o_rss" "-"
echo "compiled/bramble first result: $ratio (CPU seconds to first result: $c_cpu / $r_cpu = $cpu_ratio)   outputs identical to bramble run: $SAME   max |bramble - ort|: $ORT_DIFF   weights arena originals MB: ${c_info:-?}"
echo "ROW $NAME $c_first $r_first $o_first $ratio $c_lat $r_lat $o_lat $(rss_mb compiled) $(rss_mb run) $o_rss $size $SAME $ORT_DIFF ${c_info:-? ? ?} $c_cpu $r_cpu $cpu_ratio"
