#!/usr/bin/env bash
# `npm start`: install what is missing, build, then run the signaling server (which starts the
# mediasoup workers and, when installed, coturn). Honours PORT, HOST and the variables in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh start
exec node signaling/dist/main.js
