#!/usr/bin/env bash
# Load on loopback: one read-and-write route (read a counter from the session,
# write it back) served bare and with sessions, on axum and on actix-web,
# with session-schema and with the peers (tower-sessions with a signed cookie
# and its memory store; actix-session with its signed cookie store and its
# Redis store), by USERS returning users (default 64: each request carries one
# of their session cookies, in turn; the bare axum route is measured both
# without a cookie and sent one as long as a session's), measured with wrk
# in the same run, in alternating rounds. Beside the GET, the same
# memory-storage route as a POST that carries its CSRF token, and for a
# remembered session. Prints requests per second, medians and ratios, and
# where each request's time goes: the CPU time the server spent per request
# (in its own code and in the kernel, from /proc/<pid>/stat) and wrk's (from
# bash's `time`), beside the bare route's, and each ratio's range over the
# rounds, with the performance targets (BENCHMARKS.md) met only if every
# round meets them.
# Needs wrk and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
USERS=${USERS:-64}

command -v wrk >/dev/null || { echo "load.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --manifest-path bench/load/Cargo.toml
bin=bench/load/target/release

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true; rm -f "$script" "$report_file"' EXIT
export REDIS_URL=redis://127.0.0.1:$redis_port

script=$(mktemp --suffix=.lua)
report_file=$(mktemp)
# The first response's session cookie (`name=value`), from `curl -D -` output.
set_cookie() { sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1 | tr -d '\r'; }
rps() { # binary storage port route
  ROUTE=$4 STORAGE=$2 ADDR=127.0.0.1:$3 "$bin/$1" & local pid=$!
  local url=http://127.0.0.1:$3
  for _ in $(seq 200); do curl -s -o /dev/null "$url/" && break; sleep 0.05; done
  # One first visit per user: its Set-Cookie is the cookie the user sends on
  # (for `remembered`, the one `/remember` answers; for `csrf`, the body is
  # the token the user sends back with each POST).
  {
    echo "users = {}"
    for _ in $(seq "$USERS"); do
      local first cookie token=""
      first=$(curl -s -D - "$url/")
      cookie=$(set_cookie <<<"$first")
      case $4 in
        csrf) token=$(tail -n 1 <<<"$first") ;;
        remembered) cookie=$(curl -s -D - -o /dev/null -H "Cookie: $cookie" "$url/remember" | set_cookie) ;;
        # The bare route sent a cookie as long as a session's (which it
        # ignores): what the request's bytes cost, without the session.
        cookie-sent) cookie="id=$(printf 'x%.0s' $(seq 76))" ;;
      esac
      echo "table.insert(users, { cookie = [[$cookie]], token = [[$token]] })"
    done
    echo 'n = 0'
    if [[ $4 == csrf ]]; then
      echo 'request = function() n = n + 1; local u = users[(n % #users) + 1]; return wrk.format("POST", "/", { ["Cookie"] = u.cookie, ["X-Csrf-Token"] = u.token, ["Sec-Fetch-Site"] = "same-origin" }) end'
    else
      echo 'request = function() n = n + 1; local u = users[(n % #users) + 1]; if u.cookie == "" then return wrk.format("GET", "/") end; return wrk.format("GET", "/", { ["Cookie"] = u.cookie }) end'
    fi
  } > "$script"
  local report before after wrk_cpu
  # The server's CPU time so far, user and kernel, in clock ticks (all threads).
  before=$(awk '{print $14, $15}' "/proc/$pid/stat")
  wrk_cpu=$( { TIMEFORMAT='%3U %3S'; time wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$script" "$url/" > "$report_file"; } 2>&1 )
  after=$(awk '{print $14, $15}' "/proc/$pid/stat")
  report=$(cat "$report_file")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # A route that answered errors measured nothing.
  if grep -q 'Non-2xx' <<<"$report"; then echo "$1 ($4) answered errors: $report" >&2; exit 1; fi
  # requests/s, then per request: the server's user and kernel CPU, wrk's CPU (µs).
  awk -v before="$before" -v after="$after" -v wrk="$wrk_cpu" -v tick="$(getconf CLK_TCK)" '
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rate = $2 }
    END {
      split(before, b, " "); split(after, a, " "); split(wrk, w, " ")
      us = 1e6 / requests
      printf "%s|%.2f|%.2f|%.2f\n", rate, (a[1] - b[1]) / tick * us, (a[2] - b[2]) / tick * us, (w[1] + w[2]) * us
    }' <<<"$report"
}

servers=(
  "axum bare|bare_axum|none"
  "axum bare, sent a cookie|bare_axum|none|cookie-sent"
  "axum session-schema memory|axum_session_schema|memory"
  "axum session-schema cookie|axum_session_schema|cookie"
  "axum session-schema memory, POST with CSRF token|axum_session_schema|memory|csrf"
  "axum session-schema memory, remembered|axum_session_schema|memory|remembered"
  "axum tower-sessions memory (signed)|axum_tower_sessions|memory"
  "actix bare|bare_actix|none"
  "actix session-schema memory|actix_session_schema|memory"
  "actix session-schema cookie|actix_session_schema|cookie"
  "actix session-schema redis|actix_session_schema|redis"
  "actix actix-session cookie (signed)|actix_actix_session|cookie"
  "actix actix-session redis|actix_actix_session|redis"
)
results=$(mktemp)
for round in $(seq "$ROUNDS"); do
  port=3100
  for server in "${servers[@]}"; do
    IFS='|' read -r name binary storage route <<<"$server"
    port=$((port + 1))
    measured=$(rps "$binary" "$storage" "$port" "${route:-get}")
    echo "$name|$measured" >> "$results"
    IFS='|' read -r value user kernel wrk_us <<<"$measured"
    echo "round $round: $name: $value req/s (server $user µs user + $kernel µs kernel, wrk $wrk_us µs per request)"
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows, cpu, rounds = {}, {}, []
for line in open(sys.argv[1]):
    name, value, user, kernel, wrk = line.rstrip("\n").split("|")
    if not rounds or name in rounds[-1]:
        rounds.append({})
    rounds[-1][name] = float(value)
    rows.setdefault(name, []).append(float(value))
    cpu.setdefault(name, []).append((float(user), float(kernel), float(wrk)))
median = {name: statistics.median(values) for name, values in rows.items()}
print(f"\nmedians of {len(rounds)} rounds")
for name, value in median.items():
    print(f"  {name:<50} {value:>10,.0f} req/s")
print("\nCPU time per request, µs (medians): server in its own code, server in the kernel, wrk")
for name, per_round in cpu.items():
    user, kernel, wrk = (statistics.median(part) for part in zip(*per_round))
    print(f"  {name:<50} {user:6.2f} {kernel:6.2f} {wrk:6.2f}")
def ratio(a, b, target=None):
    """The ratio of the medians, each round's ratio as its range, and, for a
    target, whether every round met it."""
    each = [r[a] / r[b] for r in rounds]
    text = f"{median[a] / median[b]:.2f}x ({min(each):.2f}x-{max(each):.2f}x per round)"
    if target is not None:
        met = all(value >= target for value in each)
        text += f", target >= {target}x: {'met' if met else 'not met'}"
    return text
print("\nratios (a target is met only if every round meets it)")
print(f"  axum, memory storage vs bare:            {ratio('axum session-schema memory', 'axum bare', 0.85)}")
print(f"  axum, bare sent a cookie vs bare:        {ratio('axum bare, sent a cookie', 'axum bare')}")
print(f"  axum, memory vs bare sent a cookie:      {ratio('axum session-schema memory', 'axum bare, sent a cookie')}")
print(f"  axum, cookie storage vs bare:            {ratio('axum session-schema cookie', 'axum bare', 0.80)}")
print(f"  axum, memory vs tower-sessions memory:   {ratio('axum session-schema memory', 'axum tower-sessions memory (signed)', 1.3)}")
print(f"  axum, tower-sessions vs bare:            {ratio('axum tower-sessions memory (signed)', 'axum bare')}")
print(f"  axum, POST with CSRF token vs GET:       {ratio('axum session-schema memory, POST with CSRF token', 'axum session-schema memory')}")
print(f"  axum, POST with CSRF token vs bare:      {ratio('axum session-schema memory, POST with CSRF token', 'axum bare')}")
print(f"  axum, remembered vs not remembered:      {ratio('axum session-schema memory, remembered', 'axum session-schema memory')}")
print(f"  axum, remembered vs bare:                {ratio('axum session-schema memory, remembered', 'axum bare')}")
print(f"  actix, memory storage vs bare:           {ratio('actix session-schema memory', 'actix bare')}")
print(f"  actix, cookie storage vs bare:           {ratio('actix session-schema cookie', 'actix bare')}")
print(f"  actix, cookie vs actix-session cookie:   {ratio('actix session-schema cookie', 'actix actix-session cookie (signed)', 1.3)}")
print(f"  actix, actix-session cookie vs bare:     {ratio('actix actix-session cookie (signed)', 'actix bare')}")
print(f"  actix, redis vs actix-session redis:     {ratio('actix session-schema redis', 'actix actix-session redis', 1.0)}")
PY
rm -f "$results"

# What the Redis server spent per command over the whole run (both Redis
# servers above used it): a plain SET against the compare-and-set script.
echo
echo "redis-server, per command (INFO commandstats):"
redis-cli -p "$redis_port" info commandstats | grep -E '^cmdstat_(get|set|evalsha):' | tr -d '\r' |
  sed -E 's/^cmdstat_([a-z]+):calls=([0-9]+),usec=[0-9]+,usec_per_call=([0-9.]+).*/  \1: \2 calls, \3 µs each/'

