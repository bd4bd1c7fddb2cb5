#!/usr/bin/env bash
# Installs what sweeplab's build and tests need, skipping what is there.
set -euo pipefail
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi
if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
# The browser app: Trunk and the wasm-bindgen CLI that matches Cargo.lock
# (Trunk.toml keeps Trunk offline, so both must be on PATH).
if ! command -v trunk >/dev/null || ! trunk --version | grep -q '^trunk 0\.21\.'; then
  echo "setup: installing trunk 0.21.14 (a few minutes, once)"
  cargo install --locked trunk@0.21.14
fi
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$bindgen_version" ]; then
  echo "setup: installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli@"$bindgen_version"
fi
# Headless Chromium for the browser tests (DESIGN §3) and pdfinfo for the
# one-page report check.
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing $*"
    { [ -n "${SWEEPLAB_APT_UPDATED:-}" ] || apt-get update -qq; } && SWEEPLAB_APT_UPDATED=1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: missing $*; install them with apt-get install $*"
  fi
}
if ! command -v chromium >/dev/null; then apt_install chromium; fi
if ! command -v pdfinfo >/dev/null; then apt_install poppler-utils; fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
# A real MLflow server for the export tests (DESIGN §4: 3.17.2 in a venv).
mlflow_venv="${SWEEPLAB_MLFLOW_VENV:-$HOME/.cache/sweeplab/mlflow-venv}"
if [ ! -x "$mlflow_venv/bin/mlflow" ] || ! "$mlflow_venv/bin/python" -c "import mlflow, flask_wtf" 2>/dev/null; then
  echo "setup: installing MLflow 3.17.2 into $mlflow_venv"
  python3 -m venv "$mlflow_venv"
  "$mlflow_venv/bin/pip" install -q "mlflow[auth]==3.17.2"
fi
# Mesa's lavapipe: a software Vulkan adapter, so the wgpu (GPU) code path is
# tested on machines without a GPU (DESIGN §2).
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt_install mesa-vulkan-drivers
  else
    echo "setup: mesa-vulkan-drivers missing; install it (apt-get install mesa-vulkan-drivers) for the GPU-path test"
  fi
fi
