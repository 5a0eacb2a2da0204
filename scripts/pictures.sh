#!/usr/bin/env bash
# make pictures: docs/img/funnel.png (hs-japan graph) and docs/img/report.png (hs-japan
# report on a freshly seeded local emulator portal), screenshots by headless Chromium at
# 1400 px, as the README shows them. Runs in a temporary folder; needs chromium.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$REPO/.venv/bin:$PATH"
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROMIUM" ]; then
    echo "pictures: chromium is not installed (apt-get install chromium)" >&2
    exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hs-japan-pictures.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HS_JAPAN_HOME="$WORK/.hs-japan"
BP="$REPO/blueprints/japan-enterprise"
OUT="$REPO/docs/img"
LANGUAGE="${PICTURES_LANGUAGE:-en}"
mkdir -p "$OUT"

shoot() {  # shoot FILE.png WIDTHxHEIGHT URL
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --proxy-server=127.0.0.1:9 --window-size="$2" --screenshot="$1" "$3" >/dev/null 2>&1
    echo "pictures: wrote $1" >&2
}

cd "$WORK"
hs-japan graph "$BP" --out funnel.svg --language "$LANGUAGE" >/dev/null
height=$(python -c 'import re, sys; print(re.search(r"height=\"(\d+)\"", open(sys.argv[1]).read()).group(1))' funnel.svg)
shoot "$OUT/funnel.png" "1400,$height" "file://$WORK/funnel.svg"

hs-japan apply "$BP" --yes --language "$LANGUAGE" >/dev/null
hs-japan emulator seed "$BP" --deals 200 >/dev/null
hs-japan report "$BP" --out report.html --language "$LANGUAGE" >/dev/null
shoot "$OUT/report.png" "1400,${REPORT_HEIGHT:-2400}" "file://$WORK/report.html"
