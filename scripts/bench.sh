#!/usr/bin/env bash
# `npm run bench:<name>`: set up, then run e2e/bench/<name>*.bench.ts in the lo-only namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test >/dev/null
exec bash scripts/in-netns.sh npx playwright test -c e2e/bench.config.ts "${1:?bench name}"
