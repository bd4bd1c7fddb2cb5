# sweeplab: the README's commands.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never

.PHONY: test lint rust-test browser-test serve dist setup bench

## Everything CI runs: format, lints (native and the wasm app), all Rust
## tests, then the browser tests in headless Chromium.
test: lint rust-test browser-test

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p sweeplab-app --target wasm32-unknown-unknown --profile wasm-dev -- -D warnings

rust-test: setup
	cargo test --workspace

browser-test: setup
	bash tests/browser/run.sh

## Build and serve the app on http://127.0.0.1:8080 (embedded data set).
serve: setup
	trunk serve

## A static site in dist/ for any host and sub-path.
dist: setup
	trunk build --release

## Install what is missing (idempotent).
setup:
	@bash scripts/setup.sh

## Peer benchmarks (see BENCHMARKS.md); never part of `make test`.
bench: setup
	bash bench/run.sh
	bash bench/gpu.sh
	bash bench/sweep.sh
	trunk build
	cd bench/browser && { [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || npm ci --no-audit --no-fund --loglevel=error; }
	node bench/browser/run.js 3
