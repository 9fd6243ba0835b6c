#!/usr/bin/env bash
# Make sure a Debian package's program is on the machine; install the package when it is missing.
#
# Only Debian's package archive, nothing downloaded otherwise. Needs root (or sudo without a
# password); runs without a terminal (CI). Used by install-chromium.sh and install-wrk.sh.
#   scripts/install-debian-package.sh PACKAGE /path/to/its/program
set -euo pipefail

PACKAGE=$1
PROGRAM=$2
NAME="install-$PACKAGE"

if [ -x "$PROGRAM" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "$NAME: $PROGRAM is missing; install Debian's package as root:" \
         "apt-get install $PACKAGE" >&2
    exit 1
fi

apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
         -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "$NAME: $PROGRAM is missing; installing Debian's $PACKAGE" >&2
# A fresh machine may have no package lists yet (or stale ones): update, then install.
"${apt_get[@]}" update
"${apt_get[@]}" install --no-install-recommends "$PACKAGE" </dev/null

if [ ! -x "$PROGRAM" ]; then
    echo "$NAME: apt-get installed $PACKAGE but $PROGRAM is still missing" >&2
    exit 1
fi
