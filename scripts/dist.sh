#!/usr/bin/env bash
# `make dist`: the static site in dist/, built for release, shrunk with
# wasm-opt, every file's gzipped size printed, and the download budget
# checked (exit 1 when a part crosses it; sizes are deterministic).
#
#   scripts/dist.sh            build, optimise, report, check
#   scripts/dist.sh --check    report and check the dist/ already there
#
# What a visitor downloads, gzipped (JS glue included):
#   the page (app)                  <= 1 MB      every visit
#   the CPU training worker         <= 2.5 MB    when a sweep trains
#   the WebGPU training worker      <= 8 MB      when a sweep trains on WebGPU
# The Fashion-MNIST subset (data/) is fetched once when a sweep needs it and
# kept in the browser's cache; it is listed, not budgeted.
set -euo pipefail
cd "$(dirname "$0")/.."

# wasm-opt from npm's binaryen (a current release: Debian's 108 predates
# features rustc emits by default, such as reference types and multivalue).
binaryen_version=132.0.0
binaryen_dir="${SWEEPLAB_BINARYEN:-$HOME/.cache/sweeplab/binaryen-$binaryen_version}"
wasm_opt="$binaryen_dir/node_modules/binaryen/bin/wasm-opt"
# Levels measured on this build (2026-12-07): the page is compiled at
# opt-level "z" (Cargo profile wasm-page), where wasm-opt -Oz and -Os made it
# smaller raw but larger gzipped (680,920 and 679,339 bytes against 638,625
# without wasm-opt) and -O1 smaller still (627,255); the CPU worker at -O3
# for speed (214 s here; 1.40 MB gzipped, inside its budget). The WebGPU
# worker (47 MB) is left as rustc wrote it: this wasm-opt is binaryen compiled
# to wasm, one thread in Node, and -O3 on it had not finished after 15
# minutes; unoptimised it is 6.9 MB gzipped, inside its 8 MB budget, and it
# is the build every browser speed row was measured on.
page_level=-O1
worker_level=-O3
features=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

if [ "${1:-}" != "--check" ]; then
  bash scripts/setup.sh serve
  if [ ! -x "$wasm_opt" ]; then
    echo "dist: installing binaryen $binaryen_version (npm, once)"
    npm install --silent --no-audit --no-fund --prefix "$binaryen_dir" "binaryen@$binaryen_version"
  fi
  trunk build --release
  for wasm in dist/app_bg.wasm dist/cpu_worker_bg.wasm; do
    level=$worker_level
    [ "$wasm" = dist/app_bg.wasm ] && level=$page_level
    start=$(date +%s)
    node "$wasm_opt" "${features[@]}" "$level" "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    echo "dist: wasm-opt $level $wasm in $(( $(date +%s) - start )) s"
  done
fi

python3 - <<'PY'
import gzip, os, sys
def gz(path):
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 9))
sizes = {}
for root, _, files in os.walk("dist"):
    for name in files:
        path = os.path.join(root, name)
        sizes[os.path.relpath(path, "dist")] = (os.path.getsize(path), gz(path))
workers = {kind: [f"{kind}_worker.js", f"{kind}_worker_bg.wasm", f"{kind}_worker_loader.js"] for kind in ("cpu", "gpu")}
page = [f for f in sizes if os.sep not in f and not f.startswith(("cpu_worker", "gpu_worker"))]
budgets = {  # part: (files, bytes gzipped)
    "page": (page + ["app_bg.wasm"] * ("app_bg.wasm" not in page), 1_000_000),
    "CPU worker": (workers["cpu"], 2_500_000),
    "WebGPU worker": (workers["gpu"], 8_000_000),
}
print(f"{'file':<32} {'bytes':>12} {'gzipped':>12}")
for name in sorted(sizes):
    raw, packed = sizes[name]
    print(f"{name:<32} {raw:>12,} {packed:>12,}")
failed = False
for part, (files, budget) in budgets.items():
    missing = [f for f in files if f not in sizes]
    if missing:
        print(f"dist: {part}: missing {', '.join(missing)} in dist/", file=sys.stderr)
        failed = True
        continue
    total = sum(sizes[f][1] for f in files)
    verdict = "ok" if total <= budget else "OVER BUDGET"
    print(f"dist: {part}: {total:,} bytes gzipped (budget {budget:,}): {verdict}")
    failed |= total > budget
sys.exit(1 if failed else 0)
PY
