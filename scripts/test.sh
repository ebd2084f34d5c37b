#!/usr/bin/env bash
# `npm test`: install what is missing, then typecheck, lint, unit + component + integration tests
# (vitest: real mediasoup worker, real coturn, real Socket.IO) and the Playwright e2e suite on
# Debian's Chromium, all inside an lo-only network namespace when root (scripts/in-netns.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
exec bash scripts/in-netns.sh bash -c '
set -e
step() { name=$1; shift; t0=$(date +%s); echo "=== $name"; "$@"; echo "=== $name: ok in $(( $(date +%s) - t0 ))s"; }
step typecheck npm run --silent typecheck
step lint npm run --silent lint
step unit+integration npx vitest run
step e2e npx playwright test -c e2e/playwright.config.ts
'
