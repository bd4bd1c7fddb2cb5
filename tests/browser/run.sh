#!/usr/bin/env bash
# Builds the app with Trunk and runs the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
scripts/step.sh "browser tests: trunk build" trunk build
scripts/step.sh "browser tests: native-sweep build" cargo build -p sweeplab-native --bin native-sweep
cd tests/browser
NATIVE_SWEEP="$target/debug/native-sweep" ../../scripts/step.sh "browser tests: run" node --test --test-concurrency=1 --test-timeout=900000 app.test.js
