#!/usr/bin/env bash
# A short load run on loopback: the demo's read-and-write route (read a visit
# counter, write it back) served with `session` and with `tower-sessions`, each
# with its memory store, by one returning user (one session cookie), measured
# with wrk in the same run. Prints requests per second and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}

command -v wrk >/dev/null || { echo "load.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --manifest-path bench/load/Cargo.toml
bin=bench/load/target/release

rps() { # name binary port
  ADDR=127.0.0.1:$3 "$bin/$2" & local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$3/" && break; sleep 0.05; done
  local cookie
  cookie=$(curl -s -D - -o /dev/null "http://127.0.0.1:$3/" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1 | tr -d '\r')
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -H "Cookie: $cookie" "http://127.0.0.1:$3/" | awk '/Requests\/sec/ {print $2}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

ours=(); theirs=()
for round in $(seq "$ROUNDS"); do
  ours+=("$(rps session with_session 3101)")
  theirs+=("$(rps tower-sessions with_tower_sessions 3102)")
  echo "round $round: session ${ours[-1]} req/s, tower-sessions ${theirs[-1]} req/s"
done
python3 - "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
ours = [float(x) for x in sys.argv[1].split()]
theirs = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(ours), statistics.median(theirs)
print(f"median: session {a:,.0f} req/s, tower-sessions {b:,.0f} req/s, ratio {a / b:.2f}x")
PY
