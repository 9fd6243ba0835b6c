#!/usr/bin/env bash
# Make sure Debian's wrk (an HTTP load generator) is at /usr/bin/wrk for the load benchmark
# (bench/bench_api_load.py, run by `make bench`).
#
# Only Debian's package, nothing downloaded otherwise. Needs root (or sudo without a password)
# and the Debian package archive; runs without a terminal (CI).
#   scripts/install-wrk.sh          # installs the package `wrk` when it is missing
set -euo pipefail

WRK=/usr/bin/wrk

if [ -x "$WRK" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "install-wrk: $WRK is missing; install Debian's package as root: apt-get install wrk" >&2
    exit 1
fi

apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
         -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

echo "install-wrk: $WRK is missing; installing Debian's wrk" >&2
# A fresh machine may have no package lists yet (or stale ones): update, then install.
"${apt_get[@]}" update
"${apt_get[@]}" install --no-install-recommends wrk </dev/null

if [ ! -x "$WRK" ]; then
    echo "install-wrk: apt-get installed wrk but $WRK is still missing" >&2
    exit 1
fi
