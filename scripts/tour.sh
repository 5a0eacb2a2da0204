#!/usr/bin/env bash
# make tour: every `hs-japan` command in README.md, in the README's order, against the
# emulator, in a temporary folder (HS_JAPAN_HOME too); fails on any unexpected exit code.
# tests/integration/test_tour.py checks that every README command is a line here, in order.
# Lines starting with `run N` expect exit code N; the others must succeed (set -e).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$REPO/.venv/bin:$PATH"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hs-japan-tour.XXXXXX")
export HS_JAPAN_HOME="$WORK/.hs-japan"
# the README's emulator listens on 8765; the tour picks a free port so it never meets
# another emulator (emulator serve --port and portal create --url read these)
HS_JAPAN_EMULATOR_PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HS_JAPAN_EMULATOR_PORT
export HS_JAPAN_EMULATOR_URL="http://127.0.0.1:$HS_JAPAN_EMULATOR_PORT"
EMULATOR_PID=""
STARTED=$(date +%s)

cleanup() {
    if [ -n "$EMULATOR_PID" ]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
    if [ "${KEEP_TOUR:-}" = "" ]; then rm -rf "$WORK"; else echo "tour: kept $WORK" >&2; fi
}
trap cleanup EXIT

# run N command…: print it, run it, and fail the tour unless it exits N
run() {
    local want=$1 got=0
    shift
    echo "\$ $*" >&2
    "$@" </dev/null || got=$?
    if [ "$got" != "$want" ]; then
        echo "tour: FAILED: '$*' exited $got, expected $want" >&2
        exit 1
    fi
}

cp -r "$REPO/blueprints" "$REPO/migrations" "$WORK/"
cd "$WORK"
echo "tour: in $WORK (emulator on $HS_JAPAN_EMULATOR_URL)" >&2

# -- A short tour -------------------------------------------------------------------------
run 0 hs-japan validate blueprints/japan-enterprise
run 0 hs-japan plan blueprints/japan-enterprise
run 0 hs-japan plan blueprints/japan-enterprise --format json --out plan.json
run 0 hs-japan apply blueprints/japan-enterprise --plan plan.json
run 0 hs-japan apply blueprints/japan-enterprise
run 0 hs-japan unlock

# -- The funnel design --------------------------------------------------------------------
run 0 hs-japan docs blueprints/japan-enterprise --out playbook.md --language en
run 0 hs-japan graph blueprints/japan-enterprise --out funnel.svg
run 0 hs-japan init my-crm-config
run 0 hs-japan schema > blueprint.schema.json
python -c 'import json, sys; json.load(open(sys.argv[1]))' blueprint.schema.json

# -- Audit and report ---------------------------------------------------------------------
run 0 hs-japan emulator seed blueprints/japan-enterprise --deals 200
run 2 hs-japan audit blueprints/japan-enterprise
run 0 hs-japan report blueprints/japan-enterprise --out report.html

# -- Export, clone and migrations ---------------------------------------------------------
echo "\$ hs-japan emulator serve &" >&2
hs-japan emulator serve &
EMULATOR_PID=$!
for _ in $(seq 50); do
    python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/_emulator/health", timeout=1)' "$HS_JAPAN_EMULATOR_URL" 2>/dev/null && break
    sleep 0.2
done
eval "$(hs-japan emulator portal create sandbox)"
eval "$(hs-japan emulator portal create subsidiary)"
test -n "${HS_JAPAN_SANDBOX_TOKEN:-}" && test -n "${HS_JAPAN_SUBSIDIARY_TOKEN:-}"
grep -q '^\[portals.sandbox\]' hs-japan.toml && grep -q '^\[portals.subsidiary\]' hs-japan.toml
run 0 hs-japan apply blueprints/japan-enterprise --portal sandbox --yes
run 0 hs-japan export --portal sandbox --out exported/
run 0 hs-japan plan exported/ --portal sandbox --detailed-exitcode
run 0 hs-japan plan exported/ --portal sandbox
run 0 hs-japan clone --from sandbox --to subsidiary --yes
run 0 hs-japan migrate status --portal sandbox
run 0 hs-japan migrate up --portal sandbox --dry-run

# -- Pointing it at a real HubSpot portal (the sandbox here is the emulator's) --------------
run 0 hs-japan doctor blueprints/japan-enterprise --portal sandbox
run 0 hs-japan plan blueprints/japan-enterprise --portal sandbox

echo "tour: every README command ran as expected ($(( $(date +%s) - STARTED )) s)" >&2
