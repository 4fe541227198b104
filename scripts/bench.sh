#!/usr/bin/env bash
# Measures everything BENCHMARKS.md reports, in one run, and prints medians and
# ratios: typed get/set/data() against a struct field and a string-keyed map;
# the request cycle (signed, encrypted, with a timeout, memory) against the
# two-HMAC floor and the reference packages on Node.js; sessions of 1 to 1000
# keys and merges (plotted to bench/keys.svg); every id-based storage on
# loopback, racing saves, and Redis with 1, 8 and 64 clients. Needs node,
# redis-server, memcached and PostgreSQL (scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -d tests/node/node_modules ]]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
fi

# Several runs (RUNS, default 3): the figures are medians across runs of
# criterion's per-run medians, as this machine's speed moves between runs.
# BENCHES=cross_site measures the cross-site checks alone, BENCHES=layer_cycle
# the load route through the axum layer (default: every bench).
RUNS=${RUNS:-3}
BENCHES=${BENCHES:-typed_session request_cycle storage_save cross_site layer_cycle}
bench_args=()
for bench in $BENCHES; do bench_args+=(--bench "$bench"); done
runs_dir=target/bench-runs
rm -rf "$runs_dir" && mkdir -p "$runs_dir"
cargo bench -p session-schema-bench --no-run --quiet
for run in $(seq "$RUNS"); do
  rm -rf target/criterion
  cargo bench -p session-schema-bench "${bench_args[@]}" -- \
    --noplot --warm-up-time 1 --measurement-time 2 "$@" >/dev/null 2>&1
  python3 - "$runs_dir/criterion-$run.json" <<'PY'
import json, pathlib, sys
medians = {}
for estimates in pathlib.Path("target/criterion").glob("**/new/estimates.json"):
    name = json.loads((estimates.parent / "benchmark.json").read_text())["full_id"]
    medians[name] = json.loads(estimates.read_text())["median"]["point_estimate"]
pathlib.Path(sys.argv[1]).write_text(json.dumps(medians, indent=1))
PY
  if [[ " $BENCHES " == *" request_cycle "* ]]; then
    (cd tests/node && node reference-cycle.mjs) > "$runs_dir/node-$run.json"
  fi
  echo "run $run of $RUNS done" >&2
done

python3 - "$runs_dir" <<'PY'
import json, pathlib, statistics, sys

runs = pathlib.Path(sys.argv[1])
criterion = [json.loads(path.read_text()) for path in sorted(runs.glob("criterion-*.json"))]
nodes = [json.loads(path.read_text()) for path in sorted(runs.glob("node-*.json"))]
def each(name):
    return [run[name] for run in criterion]
def median(name):
    return statistics.median(each(name))
def ns(value):
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    return f"{value / 1000:.2f} µs" if value >= 1000 else f"{value:.2f} ns"
def ratios(top, bottom):
    per_run = [a / b for a, b in zip(each(top), each(bottom))]
    return statistics.median(per_run), min(per_run), max(per_run)

print(f"medians of {len(criterion)} runs (each a criterion median); per-run ratios as min-max")
def measured(prefix):
    return any(name.startswith(prefix) for name in criterion[0])

if measured("cross-site/"):
    print("\ncross-site checks, axum layer in process, memory storage, read-and-write route")
    base = "cross-site/GET, checks off"
    for name in ["GET, checks off", "GET, cross-origin protection", "GET, cross-origin protection and CSRF",
                 "POST, token in a header", "POST, token in a form"]:
        full = f"cross-site/{name}"
        over, low, high = ratios(full, base)
        print(f"  {name:<40} {ns(median(full)):>10}  {over:.3f}x GET with the checks off ({low:.3f}x-{high:.3f}x)")

if measured("layer cycle/"):
    print("\nthe load route through the axum layer, in process, one returning user, one key")
    bare = "layer cycle/bare route"
    print(f"  {'bare route (no layer)':<44} {ns(median(bare)):>10}")
    for name in ["memory storage", "memory storage, read only", "memory storage, cookie with a Max-Age",
                 "memory storage, remembered session", "cookie storage"]:
        full = f"layer cycle/{name}"
        over, low, high = ratios(full, bare)
        cost = statistics.median(a - b for a, b in zip(each(full), each(bare)))
        print(f"  {name:<44} {ns(median(full)):>10}  {over:.2f}x bare ({low:.2f}x-{high:.2f}x); the session adds {ns(cost)}")
    crowded, crowded_bare = "layer cycle/memory storage, 100 other cookies", "layer cycle/bare route, 100 other cookies"
    over, low, high = ratios(crowded, crowded_bare)
    cost = statistics.median(a - b for a, b in zip(each(crowded), each(crowded_bare)))
    print(f"  {'memory storage, 100 other cookies (4.8 KB)':<44} {ns(median(crowded)):>10}  {over:.2f}x the bare route sent them "
          f"({ns(median(crowded_bare))}; {low:.2f}x-{high:.2f}x); the session adds {ns(cost)}")

if measured("get/"):
    print("\ntyped access, ten-key session (368 bytes stored)")
    for kind in ["u32", "String"]:
        typed = median(f"get/typed {kind}")
        field = median(f"get/struct field {kind}")
        faster, low, high = ratios(f"get/map+serde_json {kind}", f"get/typed {kind}")
        print(f"  get {kind}, cached:  {ns(typed):>10}  {typed / field:.2f}x a struct field ({ns(field)}); "
              f"{faster:.1f}x faster than map+serde_json ({ns(median(f'get/map+serde_json {kind}'))}), {low:.1f}x-{high:.1f}x per run")
    first = median("get/typed u32, first read (decode included)")
    print(f"  get u32, first read of a request (decode included): {ns(first):>10}  "
          f"{first / median('get/map+serde_json u32'):.1f}x one map+serde_json lookup (which decodes on every read)")
    faster, low, high = ratios("set/map+serde_json u32", "set/typed u32")
    print(f"  set u32:  {ns(median('set/typed u32')):>10}  {faster:.2f}x faster than map+serde_json "
          f"({ns(median('set/map+serde_json u32'))}), {low:.2f}x-{high:.2f}x per run")
    print(f"  data():   {ns(median('data/typed data()')):>10}  {median('data/typed data()') / median('data/map clone'):.2f}x a clone of the map")

if measured("request cycle/"):
    print("\nrequest cycle, in process")
    floor = "request cycle/floor: 2x HMAC-SHA256 (verify and sign)"
    node = {key: statistics.median(run[key] for run in nodes) for key in ["cookie_storage_ns", "memory_storage_ns"]}
    version = nodes[0]["node"]
    for label, name, reference in [
        ("cookie storage, signed", "cookie storage, signed", "cookie_storage_ns"),
        ("cookie storage, encrypted", "cookie storage, encrypted", None),
        ("cookie storage, signed, idle timeout", "cookie storage, signed, idle timeout", None),
        ("memory storage", "memory storage", "memory_storage_ns"),
    ]:
        full = f"request cycle/{name}"
        value = median(full)
        over, low, high = ratios(full, floor)
        line = f"  {label:<38} {ns(value):>10}  {over:.2f}x the 2xHMAC floor ({low:.2f}x-{high:.2f}x)"
        if reference:
            # Each run's Rust median against the same run's Node.js median.
            per_run = [n[reference] / c[full] for n, c in zip(nodes, criterion)]
            line += (f"; {statistics.median(per_run):.0f}x faster than the reference on Node.js {version} "
                     f"({ns(node[reference])}; {min(per_run):.0f}x-{max(per_run):.0f}x per run)")
        print(line)
    print(f"  {'floor: 2x HMAC-SHA256':<38} {ns(median(floor)):>10}")
    timed = ratios("request cycle/cookie storage, signed, idle timeout", "request cycle/cookie storage, signed")
    print(f"  idle timeout vs none: {timed[0]:.3f}x ({timed[1]:.3f}x-{timed[2]:.3f}x)")
    encrypted = ratios("request cycle/cookie storage, encrypted", "request cycle/cookie storage, signed")
    print(f"  encrypted vs signed: {encrypted[0]:.2f}x ({encrypted[1]:.2f}x-{encrypted[2]:.2f}x)")
    reference = median("request cycle/reference, not the cycle's work: serde_json::Value parse and write")
    print(f"  reference point, not the cycle's work: serde_json::Value parse and write {ns(reference)}")

    print("\nsessions that grow (memory storage)")
    keys = [1, 10, 100, 1000]
    cycles = [median(f"keys/memory cycle/{k}") for k in keys]
    merges = [median(f"merge/merging save/{k}") for k in keys]
    for k, c, m in zip(keys, cycles, merges):
        print(f"  {k:>5} keys: cycle {ns(c):>10}, merging save into a changed record {ns(m):>10}")
    resent = median("keys/memory cycle, Set-Cookie every time/1")
    print(f"  one key, Set-Cookie written every time (not as the layers run it): {ns(resent)}")

    print("\ntargets, in process")
    # A target is met only if every run meets it.
    for label, name, target in [
        ("memory cycle, one key", "keys/memory cycle/1", 1000),
        ("memory cycle, ten keys", "keys/memory cycle/10", 2000),
    ]:
        per_run = each(name)
        verdict = "met" if max(per_run) <= target else "not met"
        print(f"  {label} <= {ns(target)}: {ns(median(name))} ({ns(min(per_run))}-{ns(max(per_run))} per run): {verdict}")
    over, low, high = ratios("request cycle/cookie storage, signed", floor)
    verdict = "met" if high <= 3 else "not met"
    print(f"  signed cookie cycle <= 3x the 2xHMAC floor: {over:.2f}x ({low:.2f}x-{high:.2f}x per run): {verdict}")

print("\nid-based storages on loopback")
for name in ["memory", "fs", "redis", "memcached", "postgres"] if measured("cycle/") else []:
    print(f"  cycle, {name:<10} {ns(median(f'cycle/{name}')):>10}   "
          f"8 racing saves {ns(median(f'racing saves/8 requests/{name}')):>10}")
for backend in ["redis", "memory"] if measured("redis/") else []:
    plain = median(f"{backend}/save, overwriting")
    for case in ["unchanged", "changed"]:
        article = "an" if case == "unchanged" else "a"
        merged = median(f"{backend}/save, merged into {article} {case} record")
        print(f"  {backend} save, merged, record {case}: {ns(merged)}, {merged / plain:.2f}x a plain overwrite ({ns(plain)})")
for clients in [1, 8, 64] if measured("redis clients/") else []:
    print(f"  redis cycle, {clients:>2} concurrent clients: {ns(median(f'redis clients/cycle per client/{clients}'))} per cycle")

if measured("keys/"):
    # The chart: cycle and merge time against the number of keys, log-log.
    import math
    width, height, left, bottom, top, right = 640, 400, 70, 50, 30, 170
    xs = [math.log10(k) for k in keys]
    series = [("request cycle", cycles, "#1f77b4"), ("merging save", merges, "#d62728")]
    low = min(min(values) for _, values, _ in series)
    high = max(max(values) for _, values, _ in series)
    ylow, yhigh = math.floor(math.log10(low)), math.ceil(math.log10(high))
    def px(x):
        return left + (x - xs[0]) / (xs[-1] - xs[0]) * (width - left - right)
    def py(value):
        return height - bottom - (math.log10(value) - ylow) / (yhigh - ylow) * (height - top - bottom)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">Memory storage: time against keys in the session (median of {len(criterion)} runs)</text>']
    for exponent in range(ylow, yhigh + 1):
        y = py(10 ** exponent)
        svg.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{ns(10 ** exponent)}</text>')
    for k, x in zip(keys, xs):
        svg.append(f'<text x="{px(x):.1f}" y="{height - bottom + 18}" text-anchor="middle">{k}</text>')
    svg.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">keys in the session</text>')
    for row, (label, values, colour) in enumerate(series):
        points = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in zip(xs, values))
        svg.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, v in zip(xs, values):
            svg.append(f'<circle cx="{px(x):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"/>')
        svg.append(f'<line x1="{width - right + 15}" y1="{top + 20 + row * 20}" x2="{width - right + 35}" y2="{top + 20 + row * 20}" stroke="{colour}" stroke-width="2"/>')
        svg.append(f'<text x="{width - right + 40}" y="{top + 24 + row * 20}">{label}</text>')
    svg.append("</svg>")
    pathlib.Path("bench/keys.svg").write_text("\n".join(svg) + "\n")
    print("\nwrote bench/keys.svg")
PY
