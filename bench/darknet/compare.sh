#!/usr/bin/env bash
# Bramble against Darknet itself (libdarknet of the Debian darknet package) on YOLO at 416x416:
# same cfg, same weights, latency and peak resident memory side by side, with the ratios.
#
#   bench/darknet/compare.sh [--models "yolov3-tiny yolov3"] [--threads "1 2"] [--image FILE]
#
# No trained weights are available here, so both engines load the same fixed-seed random .weights file
# (written by `bramble darknet-weights`): the arithmetic is identical to a trained model's, the boxes are not.
# Each configuration runs Darknet and Bramble as separate processes, alternating, so machine load hits both.
# Darknet's threads are set with OMP_NUM_THREADS; whether its build uses OpenMP at all is printed.
# Environment: DARKNET_ITERATIONS (default 3; yolov3 uses max(1, it/2)), DARKNET_WARMUP (default 1),
# BRAMBLE_ITERATIONS (default 10; yolov3 uses max(2, it/3)), BENCH_DIR (work directory, default out/bench-darknet).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODELS="yolov3-tiny yolov3"
THREADS="1 2"
IMAGE="/usr/share/darknet/data/dog.jpg"
while [ $# -gt 0 ]; do
    case "$1" in
        --models) MODELS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --image) IMAGE="$2"; shift 2 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
DARKNET_ITERATIONS="${DARKNET_ITERATIONS:-3}"
DARKNET_WARMUP="${DARKNET_WARMUP:-1}"
BRAMBLE_ITERATIONS="${BRAMBLE_ITERATIONS:-10}"
WORK="${BENCH_DIR:-$ROOT/out/bench-darknet}"
CFG_DIR=/usr/share/darknet/cfg
LIB_DIR=/usr/lib/darknet
PY=/usr/bin/python3

for need in "$LIB_DIR/libdarknet.so" "$LIB_DIR/include/darknet.h" "$IMAGE"; do
    [ -e "$need" ] || { echo "compare.sh: $need is missing (sudo apt-get install darknet)" >&2; exit 1; }
done
command -v gcc >/dev/null || { echo "compare.sh: gcc is needed to build the Darknet harness" >&2; exit 1; }
mkdir -p "$WORK"

echo "compare: building the Darknet harness and the bramble CLI (Release)"
gcc -O2 -o "$WORK/darknet-bench" "$ROOT/bench/darknet/darknet-bench.c" -I"$LIB_DIR/include" \
    -L"$LIB_DIR" -Wl,-rpath,"$LIB_DIR" -ldarknet -lm
dotnet build "$ROOT/src/Bramble.Cli/Bramble.Cli.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
bramble() { dotnet "$ROOT/src/Bramble.Cli/bin/Release/net10.0/Bramble.Cli.dll" "$@"; }
if nm -D "$LIB_DIR/libdarknet.so" | grep -q GOMP_parallel; then OMP="OpenMP build"; else OMP="no OpenMP"; fi
echo "compare: libdarknet: $OMP$([ "$OMP" = "no OpenMP" ] && echo ": Darknet computes on one thread whatever OMP_NUM_THREADS says; measured once per model")"
echo "compare: load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall-clock latencies scale with it)"

# A field of the JSON object in a command's output (Bramble's is indented; Darknet may print lines before it).
json() { "$PY" -c "import json,sys; t=sys.stdin.read(); i=t.find('{\"') if t.lstrip().startswith('{\"') else t.find('\n{'); print(json.loads(t[max(i,0):])['$1'])"; }

ROWS=()
for model in $MODELS; do
    # Test-time settings, as Darknet's README asks for detection: batch=1, subdivisions=1, 416x416.
    cfg="$WORK/$model-416.cfg"
    sed -E -e 's/^(width|height)[[:space:]]*=.*/\1=416/' -e 's/^batch[[:space:]]*=.*/batch=1/' \
        -e 's/^subdivisions[[:space:]]*=.*/subdivisions=1/' "$CFG_DIR/$model.cfg" > "$cfg"
    weights="${cfg%.cfg}.weights"
    [ -s "$weights" ] || bramble darknet-weights "$cfg" -o "$weights" --seed 1
    dn_it="$DARKNET_ITERATIONS"
    br_it="$BRAMBLE_ITERATIONS"
    if [ "$model" = "yolov3" ]; then
        dn_it=$(( DARKNET_ITERATIONS / 2 > 1 ? DARKNET_ITERATIONS / 2 : 1 ))
        br_it=$(( BRAMBLE_ITERATIONS / 3 > 2 ? BRAMBLE_ITERATIONS / 3 : 2 ))
    fi
    dn=""
    for t in $THREADS; do
        # Without OpenMP every thread count is the same Darknet run: measure it once.
        if [ -z "$dn" ] || [ "$OMP" = "OpenMP build" ]; then
            echo "compare: $model threads=$t: darknet ($dn_it runs) ..."
            dn=$(OMP_NUM_THREADS="$t" "$WORK/darknet-bench" "$cfg" "$weights" "$IMAGE" "$dn_it" "$DARKNET_WARMUP" 2>/dev/null)
            echo "compare:   $dn"
        fi
        echo "compare: $model threads=$t: bramble ($br_it runs) ..."
        br=$(bramble bench "$cfg" --threads "$t" --warmup 1 --iterations "$br_it" --json)
        ROWS+=("$model $t $(echo "$dn" | json latency_median_ms) $(echo "$br" | json latency_median_ms) $(echo "$dn" | json peak_resident_bytes) $(echo "$br" | json peak_resident_bytes)")
    done
done

echo
"$PY" - "${ROWS[@]}" <<'PYEOF'
import sys
print(f"{'model':<12} {'threads':>7} {'darknet ms':>11} {'bramble ms':>11} {'speedup':>8} {'darknet RSS':>12} {'bramble RSS':>12} {'RSS ratio':>9}")
for row in sys.argv[1:]:
    m, t, dms, bms, drss, brss = row.split()
    dms, bms, drss, brss = float(dms), float(bms), int(drss), int(brss)
    mib = lambda b: f"{b / 1048576:.0f} MiB"
    print(f"{m:<12} {t:>7} {dms:>11.1f} {bms:>11.1f} {dms / bms:>7.1f}x {mib(drss):>12} {mib(brss):>12} {brss / drss:>9.2f}")
print("speedup = darknet / bramble latency (median); RSS ratio = bramble / darknet peak resident memory")
PYEOF
