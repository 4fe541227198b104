#!/usr/bin/env bash
# Measures everything BENCHMARKS.md reports, in one run, and prints the medians
# and ratios: typed get/set/data() against a struct field and a string-keyed
# map; the request cycle against the reference packages on Node.js and
# against the HMAC + JSON floor; the Redis request cycle; and merging saves
# against plain overwrites. Needs node and redis-server (scripts/test.sh
# installs both).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -d tests/node/node_modules ]]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
fi

# Several runs (RUNS, default 3): the figures are medians across runs of
# criterion's per-run medians, as this machine's speed moves between runs.
RUNS=${RUNS:-3}
runs_dir=target/bench-runs
rm -rf "$runs_dir" && mkdir -p "$runs_dir"
for run in $(seq "$RUNS"); do
  cargo bench -p session-schema-bench --bench typed_session --bench request_cycle --bench storage_save -- \
    --noplot --warm-up-time 1 --measurement-time 3 "$@" >/dev/null 2>&1
  python3 - "$runs_dir/criterion-$run.json" <<'PY'
import json, pathlib, sys
medians = {}
for estimates in pathlib.Path("target/criterion").glob("*/*/new/estimates.json"):
    group, name = estimates.parts[-4], estimates.parts[-3]
    medians[f"{group}/{name}"] = json.loads(estimates.read_text())["median"]["point_estimate"]
pathlib.Path(sys.argv[1]).write_text(json.dumps(medians))
PY
  (cd tests/node && node reference-cycle.mjs) > "$runs_dir/node-$run.json"
  echo "run $run of $RUNS done" >&2
done

python3 - "$runs_dir" <<'PY'
import json, pathlib, statistics, sys

runs = pathlib.Path(sys.argv[1])
criterion = [json.loads(path.read_text()) for path in sorted(runs.glob("criterion-*.json"))]
nodes = [json.loads(path.read_text()) for path in sorted(runs.glob("node-*.json"))]
def median(group, name):
    return statistics.median(run[f"{group}/{name}"] for run in criterion)

def ns(value):
    return f"{value / 1000:.2f} µs" if value >= 1000 else f"{value:.2f} ns"

rows = []
for kind in ["u32", "String"]:
    typed = median("get", f"typed {kind}")
    field = median("get", f"struct field {kind}")
    mapped = median("get", f"map+serde_json {kind}")
    rows.append((f"get {kind}: typed", typed, f"{typed / field:.2f}x the struct field ({ns(field)}), "
                 f"{mapped / typed:.1f}x faster than map+serde_json ({ns(mapped)})"))
typed = median("set", "typed u32"); mapped = median("set", "map+serde_json u32")
rows.append(("set u32: typed", typed, f"{mapped / typed:.2f}x faster than map+serde_json ({ns(mapped)})"))
typed = median("data", "typed data()"); mapped = median("data", "map clone")
rows.append(("data(): typed", typed, f"{typed / mapped:.2f}x a clone of the map ({ns(mapped)})"))

node = {key: statistics.median(run[key] for run in nodes) for key in ["cookie_storage_ns", "memory_storage_ns"]}
node["node"] = nodes[0]["node"]
floor = median("request cycle", "floor_ 2x HMAC-SHA256 + JSON parse and write")
hmac = median("request cycle", "floor_ 2x HMAC-SHA256")
for storage, key in [("cookie storage", "cookie_storage_ns"), ("memory storage", "memory_storage_ns")]:
    cycle = median("request cycle", storage)
    rows.append((f"request cycle, {storage}", cycle,
                 f"{node[key] / cycle:.0f}x the reference on Node.js {node['node']} ({ns(node[key])}), "
                 f"{cycle / floor:.2f}x the 2xHMAC+JSON floor ({ns(floor)}), {cycle / hmac:.2f}x 2xHMAC alone ({ns(hmac)})"))

redis_cycle = median("redis", "request cycle")
rows.append(("request cycle, Redis on loopback", redis_cycle, "read (GET) + save (one compare-and-set script)"))
for backend in ["redis", "memory"]:
    plain = median(backend, "save, overwriting")
    for case in ["unchanged", "changed"]:
        merged = median(backend, f"save, merged into an {case} record" if case == "unchanged" else f"save, merged into a {case} record")
        rows.append((f"{backend} save, merged, record {case}", merged,
                     f"{merged / plain:.2f}x a plain overwrite ({ns(plain)}), +{(merged / plain - 1) * 100:.0f}%"))

width = max(len(name) for name, _, _ in rows)
print(f"medians of {len(criterion)} runs")
for name, value, ratio in rows:
    print(f"{name:<{width}}  {ns(value):>10}  {ratio}")

print("per run:")
for run, measured in zip(criterion, nodes):
    get_ratio = run["get/typed u32"] / run["get/struct field u32"]
    map_ratio = run["get/map+serde_json u32"] / run["get/typed u32"]
    cycle = run["request cycle/cookie storage"]
    print(f"  get u32 {get_ratio:.2f}x field, {map_ratio:.1f}x map; cookie cycle {ns(cycle)}, "
          f"{measured['cookie_storage_ns'] / cycle:.0f}x Node ({ns(measured['cookie_storage_ns'])})")
PY
