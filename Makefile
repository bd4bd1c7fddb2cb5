# sweeplab: the README's commands.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never

.PHONY: test fmt lint rust-test browser-test serve dist setup setup-serve setup-tools bench

## Everything CI runs: the format check, then all Rust tests and the browser
## tests in headless Chromium, with clippy (native and wasm32) gating both
## builds; what does not depend on each other runs side by side
## (scripts/test.sh says what and why).
test:
	@bash scripts/test.sh all

fmt:
	@bash scripts/test.sh fmt

## The lints on their own, as separate `cargo clippy` runs (native with all
## targets, and the app and both training workers for wasm32).
lint: fmt
	@bash scripts/setup.sh serve
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p sweeplab-app -p sweeplab-worker --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p sweeplab-worker --features gpu --target wasm32-unknown-unknown -- -D warnings

## One half of `make test` each: the Rust tests (with a real MLflow server and
## Mesa's lavapipe), or the app's wasm build and the browser tests.
rust-test:
	@bash scripts/test.sh rust

browser-test:
	@bash scripts/test.sh browser

## Build and serve the app on http://127.0.0.1:8080 (embedded data set).
serve: setup-serve
	trunk serve

## A static site in dist/ for any host and sub-path: release build, wasm-opt,
## each file's gzipped size, and the download budget checked.
dist: setup-serve
	@bash scripts/dist.sh

## Install what is missing (idempotent): `setup-serve` only what building and
## serving the app needs, `setup-tools` the test suite's tools as well, `setup`
## all of that and MLflow.
setup-serve:
	@bash scripts/setup.sh serve

setup-tools:
	@scripts/step.sh setup bash scripts/setup.sh tools

setup:
	@scripts/step.sh setup bash scripts/setup.sh test

## Peer benchmarks (see BENCHMARKS.md); never part of `make test`.
bench: setup
	bash bench/run.sh
	bash bench/gpu.sh
	bash bench/sweep.sh
	trunk build
	cd bench/browser && { [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || npm ci --no-audit --no-fund --loglevel=error; }
	node bench/browser/run.js 3
