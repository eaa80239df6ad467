#!/usr/bin/env bash
# Calibration and evaluation inputs for quantizing the suite's PaddleOCR and BlazeFace models, kept apart
# (different pages, lines and photographs) so the reported cosine is not measured on the calibration data:
#   OUT/det-{calib,eval}   640×640 pages of rendered text (bench/decompose/render-text.sh)
#   OUT/line-{calib,eval}  single text lines (recognizer / direction classifier input); every fourth is
#                          upside down, the case the direction classifier exists for
#   OUT/face-{calib,eval}  square crops of Debian darknet's photographs (people, animals, a painted face)
#   bench/quantize/inputs.sh OUT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: inputs.sh OUT_DIR}"
source "$here/../../scripts/ensure-imagemagick.sh"

"$here/../decompose/render-text.sh" "$out/det-calib" 12 0
"$here/../decompose/render-text.sh" "$out/det-eval" 12 13

fonts=(DejaVuSans DejaVuSerif DejaVuSansMono DejaVuSans-Bold DejaVuSerif-Bold DejaVuSansMono-Bold)
calib_lines=("Invoice 20931 Total 148.50" "quick brown fox" "Raspberry Pi 4 Model B" "Meeting at 10:30"
             "Fresh bread and milk" "Speed limit 50 km/h" "keep this door closed" "ORDER 55812 SHIPPED"
             "Platform 3: Edinburgh" "Call +44 20 7946 0958" "Low-rank convolutions" "Exit 12B Northbound")
eval_lines=("Open daily 9-17" "Receipt no. 7781" "Tickets and information" "Grand Avenue 221"
            "Best before 2025-03-14" "Fragile: handle with care" "Room 4.07 Seminar" "VAT 20% included")
# lines DIR PREFIX FLIP_EVERY LINE...: 480×72 lines (cropped to the text, padded) on light backgrounds.
lines() {
    local dir="$1" prefix="$2" flip="$3"; shift 3
    mkdir -p "$dir"
    local i=0 text
    for text in "$@"; do
        local font="/usr/share/fonts/truetype/dejavu/${fonts[$((i % ${#fonts[@]}))]}.ttf"
        local bg; bg=$(printf '#%02x%02x%02x' $((215 + i * 9 % 40)) $((215 + i * 5 % 40)) $((205 + i * 7 % 50)))
        local rotate=0; (( flip > 0 && i % flip == flip - 1 )) && rotate=180
        "$convert_bin" -background "$bg" -fill '#151515' -font "$font" -pointsize $((34 + i % 3 * 4)) "label:$text" \
            -trim -bordercolor "$bg" -border 10x8 -rotate "$rotate" "$dir/${prefix}_$(printf '%02d' "$i").png"
        i=$((i + 1))
    done
}
lines "$out/line-calib" line 4 "${calib_lines[@]}"
lines "$out/line-eval" line 4 "${eval_lines[@]}"

# crops DIR IMAGE...: four square crops per photograph (whole short side, and three 60 % windows).
crops() {
    local dir="$1"; shift
    mkdir -p "$dir"
    local image name w h side part
    for image in "$@"; do
        name=$(basename "$image" .jpg)
        read -r w h <<<"$(/usr/bin/identify -format '%w %h' "$image")"
        side=$((w < h ? w : h)); part=$((side * 6 / 10))
        "$convert_bin" "$image" -gravity center -crop "${side}x${side}+0+0" +repage "$dir/${name}_0.png"
        local g k=1
        for g in northwest center southeast; do
            "$convert_bin" "$image" -gravity "$g" -crop "${part}x${part}+0+0" +repage "$dir/${name}_$k.png"
            k=$((k + 1))
        done
    done
}
photos=/usr/share/darknet/data
crops "$out/face-calib" "$photos/dog.jpg" "$photos/eagle.jpg" "$photos/giraffe.jpg" "$photos/horses.jpg"
crops "$out/face-eval" "$photos/person.jpg" "$photos/scream.jpg" "$photos/kite.jpg"
echo "inputs in $out: $(ls "$out/det-calib" | wc -l)/$(ls "$out/det-eval" | wc -l) pages, $(ls "$out/line-calib" | wc -l)/$(ls "$out/line-eval" | wc -l) lines, $(ls "$out/face-calib" | wc -l)/$(ls "$out/face-eval" | wc -l) photo crops (calibration/evaluation)"
