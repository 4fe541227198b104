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

cargo bench -p session --bench typed_session --bench request_cycle --bench storage_save -- --noplot "$@" >/dev/null
node_json=$(cd tests/node && node reference-cycle.mjs)

python3 - "$node_json" <<'PY'
import json, pathlib, sys

root = pathlib.Path("target/criterion")
def median(group, name):
    path = root / group / name / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"]

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

node = json.loads(sys.argv[1])
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
for name, value, ratio in rows:
    print(f"{name:<{width}}  {ns(value):>10}  {ratio}")
PY
