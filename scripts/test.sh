#!/usr/bin/env bash
# The test suite: `make test` (all of it, what CI runs), `make rust-test` and
# `make browser-test` (one half each).
#
#   scripts/test.sh all      fmt, the Rust tests, the browser tests
#   scripts/test.sh rust     fmt and the Rust tests
#   scripts/test.sh browser  the app's wasm build and the browser tests
#
# On 2 cores the cold build is the cost, so `all` runs side by side what does
# not need the other's result:
# - beside the native test build: the installs, which are downloads and disk
#   (Debian packages, npm, MLflow) or small compiles in target dirs of their
#   own (Trunk, the wasm-bindgen CLI) that fill the build's idle core;
# - beside the app's wasm build: the Rust tests, once cargo has started them
#   (it then holds no lock on the target dir), whose MLflow servers, child
#   processes and single-threaded stretches leave a core free.
# Output of a step run beside another is printed when it ends. Each step
# prints how long it took (scripts/step.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
case "$mode" in
  all | rust | browser) ;;
  *) echo "test: unknown mode '$mode' (expected 'all', 'rust' or 'browser')" >&2; exit 2 ;;
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
    wasm_build
    browser_run
    ;;
  all)
    fmt
    beside serve $step "setup: Trunk, wasm-bindgen (beside the build)" bash scripts/setup.sh serve
    beside system $step "setup: Chromium, poppler, lavapipe, playwright (beside the build)" bash scripts/setup.sh system
    beside mlflow $step "setup: MLflow (beside the build)" bash scripts/setup.sh mlflow
    failed=0
    rust_build || failed=1
    join system || failed=1
    join mlflow || failed=1
    join serve || failed=1
    [ "$failed" = 0 ] || exit 1
    beside rust-run rust_run
    # The wasm build starts once cargo runs the tests: before that, the two
    # would wait for each other's lock on the target dir.
    until grep -q '^ *Running ' "$logs/rust-run.log" || ! kill -0 "$(cat "$logs/rust-run.pid")" 2>/dev/null; do
      sleep 1
    done
    wasm_build || failed=1
    join rust-run || failed=1
    [ "$failed" = 0 ] || exit 1
    browser_run
    ;;
esac
