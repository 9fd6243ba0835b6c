#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the end-to-end tests (tests/e2e).
#
# Only Debian's package: the tests never download a browser (no `playwright install`). Needs root
# (or sudo without a password) and the Debian package archive; runs without a terminal (CI).
#   scripts/install-chromium.sh          # installs the package `chromium` when it is missing
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install-chromium: $CHROMIUM is missing; install Debian's package as root:" \
         "apt-get install chromium" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
         -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "install-chromium: $CHROMIUM is missing; installing Debian's chromium" >&2
# A fresh machine may have no package lists yet (or stale ones): update, then install.
"${apt_get[@]}" update
"${apt_get[@]}" install --no-install-recommends chromium </dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "install-chromium: apt-get installed chromium but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version >&2 || true
