#!/bin/sh
# Starts Chromium without CAP_SYS_NICE. Run as root (as CI and the netns run it), Chromium puts its ~30
# audio threads at real-time priority and its IO threads at nice -8, so under load they starve the
# signaling server, the mediasoup worker and the pages' own JavaScript: one page's SFU set-up took 50 s
# and 4 of 6 runs of the 4 → 5 → 4 test failed. A user's browser runs unprivileged, and the server is
# another machine: this is that.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  exec setpriv --bounding-set=-sys_nice --inh-caps=-sys_nice "$CONFER_CHROMIUM" "$@"
fi
exec "$CONFER_CHROMIUM" "$@"
