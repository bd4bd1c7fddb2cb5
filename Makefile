# sweeplab: the README's commands.
SHELL := /bin/bash
export CARGO_TERM_COLOR ?= never

.PHONY: test check lint wasm setup bench

## Everything CI runs: format, lints, all tests, the wasm build of the core.
test: lint
	cargo test --workspace
	$(MAKE) wasm

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## The core must build for browsers.
wasm: setup
	cargo build -p sweeplab-core --target wasm32-unknown-unknown

## Install what is missing (idempotent).
setup:
	@bash scripts/setup.sh

## Peer benchmarks (see BENCHMARKS.md); never part of `make test`.
bench:
	bash bench/run.sh
