#!/usr/bin/env bash
# Installs what sweeplab's build and tests need, skipping what is there.
set -euo pipefail
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi
if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
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
    echo "setup: installing mesa-vulkan-drivers (lavapipe)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers >/dev/null
  else
    echo "setup: mesa-vulkan-drivers missing; install it (apt-get install mesa-vulkan-drivers) for the GPU-path test"
  fi
fi
