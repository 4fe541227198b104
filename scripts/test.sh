#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, interoperability with the
# reference Node.js packages, Redis (one server and a cluster), Memcached,
# PostgreSQL, browser, compile-fail and doc tests.
#
# It first installs what the tests need and the machine lacks:
#   - redis-server, memcached, PostgreSQL and chromium, from Debian's packages
#     (needs root, as in CI); the tests start and stop their own servers on
#     free loopback ports, so the packages' own services are not started;
#   - the reference packages and playwright-core, from tests/node's lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "scripts/test.sh: please install ${missing[*]} (Debian packages), or run as root" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Install the servers without starting their services: the tests run their own.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d tests/node/node_modules || tests/node/package-lock.json -nt tests/node/node_modules ]]; then
  echo "scripts/test.sh: installing the Node.js test packages"
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
fi

cargo test --workspace --all-features "$@"
