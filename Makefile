# sweeplab: the README's commands.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never

# `make test` lints while it builds: clippy-driver compiles sweeplab's own
# crates (cargo's RUSTC_WORKSPACE_WRAPPER, which is how `cargo clippy` itself
# runs it), both in the native test build and in the app's wasm32 build. The
# lints then cost no check-only build of the whole Burn + wgpu + CubeCL stack
# of their own (about 9 minutes each, native and wasm32, on 2 cores).
# Warnings are errors, as with `cargo clippy -- -D warnings`.
WITH_CLIPPY := RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

.PHONY: test fmt lint rust-test browser-test serve dist setup setup-serve setup-tools bench

## Everything CI runs: the format check, then all Rust tests and the browser
## tests in headless Chromium, with clippy (native and wasm32) gating both
## builds.
test: setup-tools fmt rust-test browser-test

fmt:
	@scripts/step.sh "cargo fmt --check" cargo fmt --all -- --check

## The lints on their own, as separate `cargo clippy` runs (native with all
## targets, and the app for wasm32).
lint: setup-tools fmt
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p sweeplab-app -p sweeplab-worker --target wasm32-unknown-unknown -- -D warnings

## MLflow (for the export tests) installs while the Rust tests compile: its
## setup is downloads and disk, the build is CPU.
rust-test: setup-tools
	@log=$$(mktemp); scripts/step.sh "setup: MLflow (beside the build)" bash scripts/setup.sh mlflow >"$$log" 2>&1 & mlflow=$$!; \
	scripts/step.sh "rust tests: build" env $(WITH_CLIPPY) cargo test --workspace --no-run; built=$$?; \
	wait $$mlflow; ready=$$?; cat "$$log"; rm -f "$$log"; \
	[ $$built = 0 ] && [ $$ready = 0 ] || exit 1; \
	scripts/step.sh "rust tests: run" env $(WITH_CLIPPY) cargo test --workspace

browser-test: setup-tools
	@env $(WITH_CLIPPY) bash tests/browser/run.sh

## Build and serve the app on http://127.0.0.1:8080 (embedded data set).
serve: setup-serve
	trunk serve

## A static site in dist/ for any host and sub-path.
dist: setup-serve
	trunk build --release

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
