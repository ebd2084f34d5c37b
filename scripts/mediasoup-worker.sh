#!/usr/bin/env bash
# Makes sure a mediasoup-worker binary matching the installed mediasoup version exists in a cache
# outside the repo (so fresh clones and CI on the same machine reuse it) and prints its path.
#
# Order: cache hit -> official prebuilt download (normal machines) -> local build against Debian's
# system libraries (machines that reach only npm and Debian; see ../shared/notes/mediasoup-offline-build.md).
# The project installs with ignore-scripts (see .npmrc), so mediasoup's own postinstall never runs;
# sfu/ finds the binary through the same cache path (sfu/src/workerBinary.ts).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[mediasoup-worker] %s\n' "$*" >&2; }
die() { printf '[mediasoup-worker] ERROR: %s\n' "$*" >&2; exit 1; }

pkg_dir="$root/node_modules/mediasoup"
[ -f "$pkg_dir/package.json" ] || die "node_modules/mediasoup is missing: run 'npm ci' first."
version=$(node -p "require('$pkg_dir/package.json').version")
arch=$(node -p 'process.arch')
cache_root=${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/confer/mediasoup-worker}
# The build revision (sfu/worker-build.json) changes when our build changes (e.g. a source patch), so a
# binary built the old way is never reused.
revision=$(node -p "require('$root/sfu/worker-build.json').revision")
cache_dir="$cache_root/$version-r$revision-linux-$arch"
bin="$cache_dir/mediasoup-worker"

# A worker started without mediasoup's environment exits with code 41: that proves it loads and links.
works() { local rc=0; "$1" >/dev/null 2>&1 || rc=$?; [ "$rc" = 41 ]; }

if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then
  works "$MEDIASOUP_WORKER_BIN" || die "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN does not run (expected exit code 41). Unset it or point it at a working mediasoup-worker $version."
  echo "$MEDIASOUP_WORKER_BIN"; exit 0
fi
if [ -x "$bin" ] && works "$bin"; then echo "$bin"; exit 0; fi
mkdir -p "$cache_dir"
# Two setups at once (parallel test runs) would build into the same directory: one builds, the other waits.
exec 9>"$cache_root/.lock"
flock 9
if [ -x "$bin" ] && works "$bin"; then echo "$bin"; exit 0; fi

# 1. The official prebuilt binary (what mediasoup's own postinstall would fetch).
kernel=$(uname -r | cut -d. -f1)
url="https://github.com/versatica/mediasoup/releases/download/$version/mediasoup-worker-$version-linux-$arch-kernel$kernel.tgz"
if [ -z "${MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD:-}" ] && command -v curl >/dev/null; then
  log "trying prebuilt worker $url"
  tmp=$(mktemp -d)
  if curl -fsSL --connect-timeout 5 --max-time 120 "$url" -o "$tmp/w.tgz" 2>/dev/null \
     && tar -xzf "$tmp/w.tgz" -C "$tmp" && [ -f "$tmp/mediasoup-worker" ] && works "$tmp/mediasoup-worker"; then
    install -m 755 "$tmp/mediasoup-worker" "$bin"; rm -rf "$tmp"
    log "prebuilt worker cached at $bin"; echo "$bin"; exit 0
  fi
  rm -rf "$tmp"
  log "no prebuilt worker reachable; building from Debian's libraries"
fi

# 2. Local build against Debian's libraries.
build_pkgs=(libuv1-dev libsrtp2-dev libabsl-dev libssl-dev libusrsctp-dev flatbuffers-compiler libflatbuffers-dev pkg-config python3 g++ make)
missing=()
for p in "${build_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing build packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; } \
      || die "apt-get could not install: ${missing[*]}"
  else
    die "cannot build mediasoup-worker: missing Debian packages. Run as root: apt-get install -y ${missing[*]}   (or set MEDIASOUP_WORKER_BIN to a working mediasoup-worker $version)"
  fi
fi

# Meson + ninja: already installed, else Debian's (apt), else one short pip attempt. No Python package
# index is reachable on some machines, and pip's default retries there burn a minute for nothing.
if ! command -v meson >/dev/null || ! command -v ninja >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing meson and ninja-build (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends meson ninja-build >&2 || true
  fi
fi
if ! command -v meson >/dev/null || ! command -v ninja >/dev/null; then
  tools="$cache_root/tools"
  if [ ! -x "$tools/bin/meson" ]; then
    log "trying pip once for meson/ninja (5 s timeout, no retries)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install -q --no-user --retries 0 --timeout 5 --target "$tools" meson ninja >&2 || true
  fi
  [ -x "$tools/bin/meson" ] && export PYTHONPATH="$tools${PYTHONPATH:+:$PYTHONPATH}" PATH="$tools/bin:$PATH"
fi
meson=$(command -v meson) && command -v ninja >/dev/null \
  || die "no meson/ninja: run 'apt-get install meson ninja-build' (or 'pip install meson ninja')"

src="$cache_dir/src"
rm -rf "$src"; mkdir -p "$src"
cp -r "$pkg_dir/worker" "$src/worker"

# mediasoup asks for Meson >= 1.1.0; Debian bookworm ships 1.0.1, which configures and builds this worker
# (checked), so the floor is lowered to the Meson at hand instead of fetching a newer one.
meson_at_hand=$("$meson" --version)
if [ "$(printf '%s\n1.1.0\n' "$meson_at_hand" | sort -V | head -n1)" != 1.1.0 ]; then
  sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= $meson_at_hand'/" "$src/worker/meson.build"
fi

# mediasoup 3.13.16's DTLS BIO callback returns 1 instead of the operation's result for post-operation
# calls (it compares the operation type to BIO_CB_RETURN instead of testing the bit). With Debian's
# OpenSSL 3.0.2x that corrupts the DTLS write path and the worker segfaults on the first handshake
# packet. Test the bit, as OpenSSL documents.
dtls="$src/worker/src/RTC/DtlsTransport.cpp"
grep -q '(operationType == BIO_CB_RETURN)' "$dtls" || die "unexpected DtlsTransport.cpp in mediasoup $version: review the BIO callback patch"
sed -i 's/(operationType == BIO_CB_RETURN)/((operationType \& BIO_CB_RETURN) != 0)/' "$dtls"
grep -q '((operationType & BIO_CB_RETURN) != 0)' "$dtls" || die "patching DtlsTransport.cpp failed"
sub="$src/worker/subprojects"
wrapdir() { sed -n 's/^directory *= *//p' "$sub/$1.wrap"; }

# Stand-in subprojects: each defines the variables mediasoup's meson.build reads with get_variable(),
# taken from the system packages, so Meson never tries to download the wrap.
standin() { mkdir -p "$sub/$(wrapdir "$1")"; cat > "$sub/$(wrapdir "$1")/meson.build"; }
options() { cat > "$sub/$(wrapdir "$1")/meson_options.txt"; }

standin openssl <<'M'
project('openssl', 'c')
openssl_dep = declare_dependency(dependencies: [dependency('libcrypto'), dependency('libssl')])
libcrypto_lib = []
libssl_lib = []
M
standin libuv <<'M'
project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = []
M
options libuv <<'M'
option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
M
standin libsrtp2 <<'M'
project('libsrtp2', 'c')
srtp = dependency('libsrtp2')
# mediasoup includes <srtp.h>; Debian installs it as <srtp2/srtp.h>.
libsrtp2_dep = declare_dependency(dependencies: srtp,
  compile_args: '-I' + srtp.get_variable(pkgconfig: 'includedir') + '/srtp2')
libsrtp2 = []
M
options libsrtp2 <<'M'
option('crypto-library', type: 'combo', choices: ['none', 'openssl', 'nss', 'mbedtls'], value: 'openssl')
option('crypto-library-kdf', type: 'feature', value: 'disabled')
option('tests', type: 'feature', value: 'disabled')
M
standin usrsctp <<'M'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = []
M
options usrsctp <<'M'
option('sctp_build_programs', type: 'boolean', value: false)
M
standin abseil-cpp <<'M'
project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'), dependency('absl_btree'),
  dependency('absl_inlined_vector'), dependency('absl_memory')])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency()
absl_container_lib = []
M
standin flatbuffers <<'M'
project('flatbuffers', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = []
M
standin catch2 <<'M'
project('catch2', 'cpp')
catch2_dep = declare_dependency()
M

log "building mediasoup-worker $version (about 5 minutes on 2 cores)"
cd "$src/worker"
MESON_ARGS_EXTRA=${MESON_ARGS:-}
# Debian's liburing 2.3 is too old for the worker; it falls back to plain libuv I/O.
"$meson" setup --buildtype release -Db_ndebug=true -Dms_disable_liburing=true $MESON_ARGS_EXTRA out >&2 \
  || die "meson setup failed (see above)"
# The generated flatbuffers headers must exist before anything includes them (as mediasoup's tasks.py does).
"$meson" compile -C out flatbuffers-generator >&2 && "$meson" compile -C out -j "$(nproc)" mediasoup-worker >&2 || die "worker compile failed (see above)"
works out/mediasoup-worker || die "built worker does not run"
install -m 755 out/mediasoup-worker "$bin"
cd "$cache_dir"; rm -rf "$src"
log "worker built and cached at $bin"
echo "$bin"
