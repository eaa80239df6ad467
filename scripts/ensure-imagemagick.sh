#!/usr/bin/env bash
# Makes sure Debian's ImageMagick and DejaVu fonts are installed (the text and image renderers of the
# benchmarks need them), installing them with apt-get when missing, and sets convert_bin to Debian's
# `convert` (another `convert` may come first on PATH).   source scripts/ensure-imagemagick.sh
if [[ ! -x /usr/bin/convert || ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]]; then
    echo "installing imagemagick and fonts-dejavu (apt-get)" >&2
    sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y --no-install-recommends imagemagick fonts-dejavu-core >&2
fi
convert_bin=/usr/bin/convert
