#!/usr/bin/env bash
# `npm run media-node`: install what is missing, build, then run a media node (mediasoup workers only)
# that joins the cluster at REDIS_URL. Honours the SFU_* variables and MEDIA_NODE_ID (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh start
exec node sfu/dist/mediaNodeMain.js
