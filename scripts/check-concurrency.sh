#!/usr/bin/env bash
# Runs the concurrency checker (tests/src/checker) with a long budget on every
# id-based storage: memory, the HashMap backend of the SessionBackend docs,
# fs, SQLite, Redis, Redis Cluster, Redis Sentinel, Memcached and PostgreSQL. Each storage runs
# HISTORIES random concurrent histories (default 10000), through a proxy that
# adds latency, cuts connections and restarts the servers where there is a
# network; every history is judged against the storages' invariants.
#
#   bash scripts/check-concurrency.sh                 # 10000 histories each
#   HISTORIES=500 bash scripts/check-concurrency.sh   # a shorter run
#   STORAGES="fs redis" bash scripts/check-concurrency.sh
#   CHECK_SEED=3277123 bash scripts/check-concurrency.sh   # replay one seed
#
# It prints one line per storage (histories, operations, faults injected,
# histories with latency, failing histories, and the seeds that broke each
# invariant), also written to target/check-concurrency.txt, and fails if any
# history broke an invariant. The servers come from scripts/test.sh's
# installs; the tests start and stop their own.
set -euo pipefail
cd "$(dirname "$0")/.."

histories=${HISTORIES:-10000}
storages=${STORAGES:-"memory map_backend_of_the_docs fs sqlite redis redis_cluster redis_sentinel memcached postgresql"}
mkdir -p target
report=target/check-concurrency.txt
: > "$report"
status=0
started=$(date +%s)
for storage in $storages; do
  log=target/check-concurrency-$storage.log
  if CHECK_HISTORIES=$histories cargo test --quiet -p session-tests --test test_checker -- \
      --exact "$storage" --nocapture > "$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  # The checker prints its summary (and the seeds per broken invariant).
  summary=$(grep -E '^[a-z ]+: [0-9]+ histories|^  I[0-9] broken' "$log" | sort -u || true)
  printf '%s\n%s\n' "$result $storage" "$summary" | tee -a "$report"
done
echo "took $(( $(date +%s) - started )) s; details in target/check-concurrency-*.log" | tee -a "$report"
exit $status
