#!/usr/bin/env bash
# Derives the minimum supported Rust version of the published crates:
#   1. the newest `rust-version` that any dependency declares (normal and build
#      dependencies of session-schema with every feature on), from cargo metadata;
#   2. the newest standard-library API or language feature the sources use, from
#      a table of the recent ones (extend it when using something newer).
# The MSRV is the larger of the two; Cargo.toml's `rust-version` must equal it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --format-version 1 --all-features --quiet | python3 -c '
import json, sys
meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
roots = [p["id"] for p in meta["packages"] if p["name"] in ("session-schema", "session-schema-derive")]
seen, stack = set(), list(roots)
while stack:
    node = stack.pop()
    if node in seen:
        continue
    seen.add(node)
    for dep in nodes[node]["deps"]:
        if any(kind["kind"] in (None, "build") for kind in dep["dep_kinds"]):
            stack.append(dep["pkg"])
def version(text):
    return tuple(int(part) for part in (text or "0").split("."))
deps = sorted((version(packages[i]["rust_version"]), packages[i]["name"]) for i in seen if i not in roots)
newest = deps[-1][0]
names = ", ".join(name for v, name in deps if v == newest)
print("dependencies: " + ".".join(map(str, newest)) + " (" + names + ")")
'

# pattern ; version ; what
table='
file\.(try_)?lock\(\);1.89;File::lock and File::try_lock
(^\s*&& let |if let .* && let );1.88;let chains (edition 2024)
is_none_or\(;1.82;Option::is_none_or
#\[diagnostic::on_unimplemented;1.78;diagnostic::on_unimplemented
'
newest=0.0; what=none
while IFS=';' read -r pattern version api; do
  [[ -n "$pattern" ]] || continue
  if grep -rqE "$pattern" session/src session-derive/src; then
    if [[ $(printf '%s\n%s\n' "$version" "$newest" | sort -V | tail -1) == "$version" && "$version" != "$newest" ]]; then
      newest=$version; what=$api
    fi
  fi
done <<<"$table"
echo "sources: $newest ($what)"
declared=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
echo "Cargo.toml rust-version: $declared"
