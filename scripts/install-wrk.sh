#!/usr/bin/env bash
# Make sure Debian's wrk (an HTTP load generator) is at /usr/bin/wrk for the load benchmark
# (bench/bench_api_load.py, run by `make bench`).
#   scripts/install-wrk.sh          # installs the package `wrk` when it is missing
set -euo pipefail
exec "$(dirname "$0")/install-debian-package.sh" wrk /usr/bin/wrk
