#!/usr/bin/env bash
# Runs Bramble's whole test suite: fetches the models and packages tests read (scripts/fetch-models.sh),
# then `dotnet test` on the solution with a TRX logger, and ends with one line "N passed, N failed"
# summed from the TRX files. Extra arguments go to dotnet test (e.g. --filter "FullyQualifiedName~Npy").
# Exit status: 0 when every test passed, 1 otherwise (including build failures).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/fetch-models.sh" || { echo "test.sh: error: fetching test resources failed" >&2; echo "0 passed, 0 failed"; exit 1; }

RESULTS="$ROOT/TestResults/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet test "$ROOT/Bramble.slnx" --nologo \
    --logger "trx" --logger "console;verbosity=minimal" \
    --results-directory "$RESULTS" "$@"
status=$?

# The kernel and real-model tests once more with AVX2 and AVX-512 switched off in the runtime, so the
# 128-bit path (the one a Raspberry Pi's NEON runs) is exercised by the hardware ISA detection too.
if (($# == 0)); then
    DOTNET_EnableAVX2=0 DOTNET_EnableAVX512F=0 dotnet test "$ROOT/tests/Bramble.Tests" --nologo --no-build \
        --filter "FullyQualifiedName~Bramble.Tests.Kernels|FullyQualifiedName~Bramble.Tests.RealModels" \
        --logger "trx;LogFileName=vector128.trx" --logger "console;verbosity=minimal" \
        --results-directory "$RESULTS"
    status=$((status | $?))
fi

# Each test project writes one .trx; its <Counters .../> element holds the totals.
passed=0 failed=0 found=0
shopt -s nullglob
for trx in "$RESULTS"/*.trx; do
    found=1
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
    p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    e="$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")"
    t="$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")"
    a="$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")"
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done

if ((found == 0)); then
    echo "test.sh: error: no test results were written (did the build fail? see above)" >&2
elif ((status != 0 && failed == 0)); then
    echo "test.sh: error: dotnet test exited with $status although no test failed (crashed test host?)" >&2
fi
echo "$passed passed, $failed failed"
((found == 1 && status == 0 && failed == 0))
