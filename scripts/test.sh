#!/usr/bin/env bash
# `npm test`: install what is missing, then typecheck, lint, unit + component + integration tests
# (vitest: real mediasoup worker, real coturn, real Socket.IO) and the Playwright e2e suite on
# Debian's Chromium. As root, everything after setup runs in a network namespace that has only
# `lo`, so no test packet can leave loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

suite='
set -e
step() { name=$1; shift; t0=$(date +%s); echo "=== $name"; "$@"; echo "=== $name: ok in $(( $(date +%s) - t0 ))s"; }
step typecheck npm run --silent typecheck
step lint npm run --silent lint
step unit+integration npx vitest run
step e2e npx playwright test -c e2e/playwright.config.ts
'
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  echo "[test] running in an lo-only network namespace"
  exec unshare -n bash -c "ip link set lo up && $suite"
else
  echo "[test] WARNING: cannot create a network namespace (needs root); running on the host network, bound to 127.0.0.1"
  exec bash -c "$suite"
fi
