#!/usr/bin/env bash
# What a save costs Redis itself: the server time per call (`INFO
# commandstats`) of the Redis storage's compare-and-set scripts, taken from
# session/src/storage/redis.rs, beside a plain `SET ... EX` (what a store
# without compare-and-set sends), each driven by redis-benchmark against a
# fresh redis-server on a free loopback port, in ROUNDS alternating rounds
# (default 5); prints the medians and each one's range. Needs redis-server,
# redis-cli and redis-benchmark (Debian's redis-server and redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-100000}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
cli=(redis-cli -p "$port")
for _ in $(seq 100); do "${cli[@]}" ping >/dev/null 2>&1 && break; sleep 0.05; done

# A script's text as the storage sends it (`Scripts::new` in redis.rs): the
# bodies of the named constants, one after the other.
lua() {
  python3 - "$@" <<'PY'
import re, sys
source = open("session/src/storage/redis.rs").read()
def body(name):
    return re.search(r"const " + name + r': &str = r"\n(.*?)";', source, re.S).group(1)
print("".join(body(name) for name in sys.argv[1:]), end="")
PY
}
full=$("${cli[@]}" script load "$(lua INDEX_UPKEEP COMPARE_AND_SET REPLACE)")
plain=$("${cli[@]}" script load "$(lua COMPARE_AND_SET REPLACE_PLAIN)")

# The load route's record, a session nobody is logged in to.
record='[{"visits":12345},{}]'
"${cli[@]}" set session:load "$record" >/dev/null
never=$(( (1 << 53) - 1 ))
now=$(date +%s%3N)
# A logged-in session without timeouts: its owner index already holds it,
# with the "never ends" score, as a save finds it.
"${cli[@]}" zadd 'session-owners:{owner}' "$never" load >/dev/null
cases=(
  "SET ... EX (no compare)|set session:load $record EX 86400"
  "REPLACE (owner indexes' bookkeeping)|evalsha $full 1 session:load $record $record 0 load '' $now $now $never"
  "REPLACE_PLAIN (no owner)|evalsha $plain 1 session:load $record $record 0"
  "REPLACE, logged in, end unchanged|evalsha $full 2 session:load session-owners:{owner} $record $record 0 load n $never $now $never"
)
results=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -f "$results"' EXIT
for round in $(seq "$ROUNDS"); do
  for case in "${cases[@]}"; do
    IFS='|' read -r name command <<<"$case"
    "${cli[@]}" config resetstat >/dev/null
    eval "redis-benchmark -p $port -n $CALLS -c 8 -q $command" >/dev/null 2>&1
    command_name=$(tr '[:upper:]' '[:lower:]' <<<"${command%% *}")
    usec=$("${cli[@]}" info commandstats | tr -d '\r' \
      | sed -n "s/^cmdstat_$command_name:.*usec_per_call=\([0-9.]*\).*/\1/p")
    echo "round $round: $name: $usec µs per call"
    echo "$name|$usec" >> "$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, usec = line.rstrip("\n").split("|")
    rows.setdefault(name, []).append(float(usec))
print(f"\nRedis server time per call, medians of {len(next(iter(rows.values())))} rounds (range)")
for name, values in rows.items():
    print(f"  {name:<40} {statistics.median(values):6.2f} µs ({min(values):.2f}-{max(values):.2f})")
PY
