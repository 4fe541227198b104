#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, interoperability with the
# reference Node.js packages, Redis, browser, compile-fail and doc tests.
#
# It first installs what the tests need and the machine lacks:
#   - redis-server and chromium, from Debian's packages (needs root, as in CI);
#   - the reference packages and playwright-core, from tests/node's lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "scripts/test.sh: please install ${missing[*]} (Debian packages), or run as root" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d tests/node/node_modules || tests/node/package-lock.json -nt tests/node/node_modules ]]; then
  echo "scripts/test.sh: installing the Node.js test packages"
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
fi

cargo test --workspace --all-features "$@"
