#!/usr/bin/env bash
# Compile time, measured:
#   1. what `#[derive(SessionSchema)]` adds to `cargo check` of a crate with a
#      20-field schema, against the same struct without the derive (the crate
#      alone is re-checked, its dependencies already built; median of RUNS);
#   2. building the library's default features from scratch (`cargo build -p
#      session-schema` in an empty target directory; median of BUILDS).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
BUILDS=${BUILDS:-2}
root=$PWD
scratch=target/compile-time
rm -rf "$scratch" && mkdir -p "$scratch"

fields() {
  for i in $(seq 20); do
    case $((i % 4)) in
      0) echo "    field_$i: u64," ;;
      1) echo "    field_$i: String," ;;
      2) echo "    field_$i: Vec<u32>," ;;
      3) printf '    #[session(flash)]\n    field_%s: String,\n' "$i" ;;
    esac
  done
}
for variant in with without; do
  mkdir -p "$scratch/$variant/src"
  cat > "$scratch/$variant/Cargo.toml" <<TOML
[package]
name = "schema-$variant-derive"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
session-schema = { path = "$root/session" }
TOML
  {
    echo "#![allow(dead_code)]"
    if [[ $variant == with ]]; then
      echo "use session_schema::SessionSchema;"
      echo "#[derive(SessionSchema)]"
    fi
    echo "pub struct App {"
    fields | if [[ $variant == with ]]; then cat; else grep -v '#\[session'; fi
    echo "}"
  } > "$scratch/$variant/src/lib.rs"
done
cat > "$scratch/Cargo.toml" <<TOML
[workspace]
resolver = "3"
members = ["with", "without"]
TOML
(cd "$scratch" && cargo check --quiet --workspace)

python3 - "$scratch" "$RUNS" <<'PY'
import statistics, subprocess, sys, time, pathlib
scratch, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def check(variant):
    (scratch / variant / "src/lib.rs").touch()
    started = time.monotonic()
    subprocess.run(["cargo", "check", "--quiet", "-p", f"schema-{variant}-derive"], cwd=scratch, check=True)
    return time.monotonic() - started
times = {"with": [], "without": []}
for _ in range(runs):
    for variant in times:
        times[variant].append(check(variant))
with_derive, without = statistics.median(times["with"]), statistics.median(times["without"])
print(f"cargo check of a 20-field schema crate, median of {runs}: "
      f"{with_derive:.3f} s with the derive, {without:.3f} s without: the derive adds {with_derive - without:.3f} s")
PY

python3 - "$scratch" "$BUILDS" <<'PY'
import statistics, subprocess, sys, time, pathlib, os, shutil
scratch, builds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
times = []
for run in range(builds):
    target = scratch / "scratch-target"
    shutil.rmtree(target, ignore_errors=True)
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    started = time.monotonic()
    subprocess.run(["cargo", "build", "--quiet", "-p", "session-schema"], env=env, check=True)
    times.append(time.monotonic() - started)
print(f"cargo build -p session-schema (default features) from scratch, median of {builds}: {statistics.median(times):.1f} s "
      f"({', '.join(f'{t:.1f}' for t in times)})")
PY
