#!/usr/bin/env bash
# Runs a command in a private network namespace that has only `lo` (needs root), so no test or
# benchmark packet can leave loopback. Without root it warns and runs the command directly.
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  echo "[netns] running in an lo-only network namespace" >&2
  exec unshare -n bash -c 'ip link set lo up && exec "$@"' bash "$@"
fi
echo "[netns] WARNING: cannot create a network namespace (needs root); running on the host network, bound to 127.0.0.1" >&2
exec "$@"
