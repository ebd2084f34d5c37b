#!/usr/bin/env bash
# Installs whatever a fresh Debian machine lacks, then builds. Idempotent and quick when nothing is missing.
#   scripts/setup.sh start   - what `npm start` needs (coturn is optional: without it the app runs without TURN)
#   scripts/setup.sh test    - also Chromium, coturn, docker-compose, haproxy, iproute2, redis-server for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-start}
log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }
started=$(date +%s)

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is required (found: $(node -v 2>/dev/null || echo none))"

# --- Debian packages ------------------------------------------------------------------------------
declare -A want=([coturn]=turnserver)
if [ "$purpose" = test ]; then
  want+=([chromium]=/usr/bin/chromium [docker-compose]=docker-compose [haproxy]=haproxy [iproute2]=ip [redis-server]=redis-server)
fi
missing=()
for pkg in "${!want[@]}"; do command -v "${want[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 2>&1 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; } \
      || { [ "$purpose" = test ] && die "could not install ${missing[*]}"; log "could not install ${missing[*]}; continuing"; }
  elif [ "$purpose" = test ]; then
    die "missing Debian packages for the tests. Run as root: apt-get install -y ${missing[*]}"
  else
    log "coturn is not installed: the app will run without TURN (as root: apt-get install -y coturn)"
  fi
fi

# --- npm dependencies -----------------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund >&2
fi

# --- mediasoup worker (cached outside the repo) ---------------------------------------------------
bash scripts/mediasoup-worker.sh >/dev/null

# --- build ----------------------------------------------------------------------------------------
log "building (tsc -b, vite build)"
npm run --silent build >&2
log "ready in $(( $(date +%s) - started ))s"
