#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the end-to-end tests (tests/e2e).
# Only Debian's package: the tests never download a browser (no `playwright install`).
#   scripts/install-chromium.sh          # installs the package `chromium` when it is missing
set -euo pipefail
"$(dirname "$0")/install-debian-package.sh" chromium /usr/bin/chromium
/usr/bin/chromium --version >&2 || true
