#!/usr/bin/env bash
# The test suite: `make test` (all of it, what CI runs), `make rust-test` and
# `make browser-test` (one half each).
#
#   scripts/test.sh all      fmt, the Rust tests, the browser tests
#   scripts/test.sh fmt      the format check alone
#   scripts/test.sh rust     fmt and the Rust tests
#   scripts/test.sh browser  the app's wasm build and the browser tests
#
# On 2 cores the cold build is the cost, and nearly every step keeps both
# cores busy. Only the installs that are downloads and disk (Debian packages,
# npm, MLflow) run beside the native test build; their output is printed when
# they end. CPU-bound steps side by side were measured cold and gained
# nothing: with the Rust tests beside the wasm build, the tests took 1,060 s
# instead of 556 s and the run as a whole was no shorter; so the rest runs
# one step after the other. Each step prints how long it took
# (scripts/step.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
case "$mode" in
  all | fmt | rust | browser) ;;
  *) echo "test: unknown mode '$mode' (expected 'all', 'fmt', 'rust' or 'browser')" >&2; exit 2 ;;
esac

# Lints while it builds: clippy-driver compiles sweeplab's own crates (cargo's
# RUSTC_WORKSPACE_WRAPPER, which is how `cargo clippy` itself runs it), both
# in the native test build and in the app's wasm32 build, so the lints cost
# no check-only build of the whole Burn + wgpu + CubeCL stack of their own
# (about 9 minutes each, native and wasm32, on 2 cores). Warnings are errors,
# as with `cargo clippy -- -D warnings`. Only sweeplab's own builds get it
# (never `cargo install` of the tools).
clippy=(env RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__)
target="${CARGO_TARGET_DIR:-$PWD/target}"
step=scripts/step.sh

logs=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$logs"' EXIT

# beside NAME COMMAND...: runs a step in the background, its output to a log.
beside() {
  local name="$1"
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  echo $! >"$logs/$name.pid"
}
# join NAME: waits for a step started by `beside`, prints its output and
# returns its exit status.
join() {
  local rc=0
  wait "$(cat "$logs/$1.pid")" || rc=$?
  cat "$logs/$1.log"
  return "$rc"
}

fmt() {
  bash scripts/setup.sh lint
  $step "cargo fmt --check" cargo fmt --all -- --check
}
rust_build() { $step "rust tests: build" "${clippy[@]}" cargo test --workspace --no-run; }
rust_run() { $step "rust tests: run" "${clippy[@]}" cargo test --workspace; }
wasm_build() { $step "browser tests: trunk build" "${clippy[@]}" trunk build; }
browser_run() {
  # The import test reads what native-sweep writes: built by the Rust tests
  # already, or here for `make browser-test`. With clippy-driver as in the
  # test build, else sweeplab's crates are compiled again without it.
  $step "browser tests: native-sweep build" "${clippy[@]}" cargo build -p sweeplab-native --bin native-sweep
  (cd tests/browser && NATIVE_SWEEP="$target/debug/native-sweep" \
    ../../$step "browser tests: run" node --test --test-concurrency=1 --test-timeout=900000 app.test.js)
}

case "$mode" in
  fmt) fmt ;;
  rust)
    fmt
    $step "setup: test programs" bash scripts/setup.sh system
    beside mlflow $step "setup: MLflow (beside the build)" bash scripts/setup.sh mlflow
    rust_build
    join mlflow
    rust_run
    ;;
  browser)
    $step "setup: serve and test programs" bash scripts/setup.sh tools
    # The CSV test's table is scikit-learn's, installed with MLflow.
    $step "setup: MLflow (scikit-learn for the CSV test)" bash scripts/setup.sh mlflow
    wasm_build
    browser_run
    ;;
  all)
    fmt
    $step "setup: Trunk, wasm-bindgen" bash scripts/setup.sh serve
    beside system $step "setup: Chromium, poppler, lavapipe, Slurm, playwright (beside the build)" bash scripts/setup.sh system
    beside mlflow $step "setup: MLflow (beside the build)" bash scripts/setup.sh mlflow
    failed=0
    rust_build || failed=1
    join system || failed=1
    join mlflow || failed=1
    [ "$failed" = 0 ] || exit 1
    rust_run
    wasm_build
    browser_run
    ;;
esac
