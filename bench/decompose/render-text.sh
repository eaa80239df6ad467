#!/usr/bin/env bash
# Renders lines of text to PNG pages (ImageMagick + DejaVu fonts from Debian) as real-text calibration and
# evaluation inputs for the PaddleOCR detector:  bench/decompose/render-text.sh OUT_DIR [COUNT] [FIRST]
# Pages are numbered from FIRST (default 0); each page number gives its own mix of lines, font, sizes and
# places, so a calibration set (0..) and an evaluation set (e.g. 100..) do not repeat each other.
set -euo pipefail
out="${1:?usage: render-text.sh OUT_DIR [COUNT] [FIRST]}"
count="${2:-12}"
first="${3:-0}"
mkdir -p "$out"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/ensure-imagemagick.sh"
fonts=(/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf
       /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf)
lines=("Invoice No. 20931  Total: 148.50 EUR" "The quick brown fox jumps over the lazy dog" "Raspberry Pi 4 Model B - 4GB RAM"
       "Low-rank decomposition of convolutions" "Meeting at 10:30 in room 2.14" "Fresh bread, milk, eggs and coffee"
       "Speed limit 50 km/h ahead" "Please keep this door closed" "ORDER #55812 SHIPPED 2024-06-01"
       "Flattened CNNs for feedforward acceleration" "Platform 3: Express to Edinburgh" "Call +44 20 7946 0958")
for ((i = first; i < first + count; i++)); do
    # Past the first 12 pages the line triples and fonts rotate, so later pages are new combinations.
    r=$((i / ${#lines[@]}))
    font="${fonts[$(((i + r) % ${#fonts[@]}))]}"
    a="${lines[$((i % ${#lines[@]}))]}"; b="${lines[$(((i + 5 + r) % ${#lines[@]}))]}"; c="${lines[$(((i + 7 + 2 * r) % ${#lines[@]}))]}"
    bg=$(printf '#%02x%02x%02x' $((200 + i * 4 % 56)) $((210 + i * 3 % 46)) $((190 + i * 7 % 66)))
    "$convert_bin" -size 640x640 "xc:$bg" -font "$font" -fill '#101010' \
        -pointsize $((26 + i % 4 * 4)) -annotate +$((20 + i * 7 % 40))+$((90 + i * 11 % 60)) "$a" \
        -pointsize $((22 + i % 3 * 6)) -annotate +$((30 + i * 5 % 50))+$((260 + i * 13 % 80)) "$b" \
        -pointsize $((30 + i % 5 * 3)) -annotate +$((15 + i * 3 % 30))+$((450 + i * 9 % 90)) "$c" \
        "$out/text_$(printf '%02d' "$i").png"
done
echo "rendered $count pages ($first..$((first + count - 1))) into $out"
