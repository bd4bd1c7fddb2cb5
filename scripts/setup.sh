#!/usr/bin/env bash
# Installs what sweeplab needs, skipping what is already there.
#
#   scripts/setup.sh serve   what building and serving the app needs: the
#                            wasm32 target, Trunk and the wasm-bindgen CLI
#   scripts/setup.sh lint    rustfmt and clippy
#   scripts/setup.sh system  the test suite's programs: Chromium, poppler,
#                            Mesa's lavapipe, munge and Slurm (Debian) and
#                            playwright-core (npm)
#   scripts/setup.sh tools   serve, lint and system together
#   scripts/setup.sh mlflow  only MLflow, in its own venv, for the export tests
#                            (and kubernetes-validate beside it)
#                            (`make test` runs this while the Rust tests
#                            compile: it is downloads and disk, not CPU)
#   scripts/setup.sh test    everything: tools and mlflow
#
# Every step prints one line when it installs something and nothing when the
# thing is already there; each says how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-test}"
case "$mode" in
  serve | lint | system | tools | mlflow | test) ;;
  *) echo "setup: unknown mode '$mode' (expected 'serve', 'lint', 'system', 'tools', 'mlflow' or 'test')" >&2; exit 2 ;;
esac

step_start=0
begin() { step_start=$(date +%s); echo "setup: $*"; }
done_step() { echo "setup:   done in $(( $(date +%s) - step_start )) s"; }

serve_tools() {
  # --- what serving needs -----------------------------------------------------
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    begin "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
    done_step
  fi

  # Trunk and the wasm-bindgen CLI are build tools, not shipped code, so they
  # are compiled for a short build rather than for speed: no link-time
  # optimisation (Trunk's own release profile asks for fat LTO and one codegen
  # unit, 8 minutes on 2 cores), Trunk at opt-level 0 (it orchestrates cargo and
  # copies files) and wasm-bindgen at 1 (it rewrites the ~80 MB worker module
  # on every build). Neither gets its default features: those are TLS stacks
  # (rustls and ring) for downloads that sweeplab never makes (Trunk.toml keeps
  # Trunk offline) and Trunk's check for a newer release.
  # Both compile at once, each in a target dir of its own (one shared dir
  # would make the second wait for the first's lock), so each fills the
  # other's idle core while one crate compiles or links alone.
  # install_tool DIR LABEL OPT-LEVEL CARGO-INSTALL-ARGS...
  tools_target="${SWEEPLAB_TOOLS_TARGET:-$HOME/.cache/sweeplab/tools-target}"
  install_tool() {
    local dir="$1" label="$2" opt="$3" start
    shift 3
    start=$(date +%s)
    echo "setup: installing $label from crates.io (once)"
    CARGO_PROFILE_RELEASE_LTO=false \
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" \
      CARGO_PROFILE_RELEASE_DEBUG=false \
      cargo install --quiet --target-dir "$tools_target/$dir" "$@"
    echo "setup:   $label done in $(( $(date +%s) - start )) s"
  }
  local pids=()
  # Trunk.toml keeps Trunk offline, so both must be on PATH.
  if ! command -v trunk >/dev/null || ! trunk --version | grep -q '^trunk 0\.21\.'; then
    install_tool trunk "trunk 0.21.14" 0 --locked --no-default-features trunk@0.21.14 &
    pids+=($!)
  fi
  # The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock. Not
  # `--locked`: its lock file pins a webpki-roots release crates.io no longer
  # serves.
  bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
  if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$bindgen_version" ]; then
    install_tool wasm-bindgen "wasm-bindgen-cli $bindgen_version" 1 --no-default-features wasm-bindgen-cli@"$bindgen_version" &
    pids+=($!)
  fi
  local pid
  for pid in "${pids[@]}"; do wait "$pid"; done
}

lint_tools() {
  if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi
  if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
}

system_tools() {
  # --- the programs the tests drive -------------------------------------------
  # Debian packages, in one apt transaction:
  # - chromium: headless Chromium for the browser tests and the one-page report;
  # - poppler-utils: pdfinfo / pdftotext, to check that report is one A4 page;
  # - mesa-vulkan-drivers: Mesa's lavapipe, a software Vulkan adapter, so the
  #   wgpu (GPU) code path is tested on machines without a GPU;
  # - munge, slurmctld, slurmd, slurm-client: a real one-node Slurm for the
  #   job-array test (docs/cluster.md's script under sbatch).
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdfinfo >/dev/null || missing+=(poppler-utils)
  ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || missing+=(mesa-vulkan-drivers)
  # (Debian puts the daemons in /usr/sbin, not on every user's PATH.)
  have() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; }
  have munged || missing+=(munge)
  have slurmctld || missing+=(slurmctld)
  have slurmd || missing+=(slurmd)
  command -v sbatch >/dev/null || missing+=(slurm-client)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      begin "installing ${missing[*]} (apt)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      done_step
    else
      echo "setup: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi

  # playwright-core drives that Chromium (no browser download of its own).
  if [ ! -d tests/browser/node_modules/playwright-core ]; then
    begin "installing playwright-core (npm)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
    done_step
  fi
}

mlflow_venv() {
  # A real MLflow server for the export tests: MLflow 3.17.2 in its own venv
  # (the newest release that resolves from PyPI here; ~850 MB).
  # `--no-compile`: Python compiles what the server imports when it starts,
  # not all ~850 MB at install time.
  local venv="${SWEEPLAB_MLFLOW_VENV:-$HOME/.cache/sweeplab/mlflow-venv}"
  if [ ! -x "$venv/bin/mlflow" ] || ! "$venv/bin/python" -c "import mlflow, flask_wtf" 2>/dev/null; then
    begin "installing MLflow 3.17.2 into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-compile "mlflow[auth]==3.17.2"
    done_step
  fi
  # kubernetes-validate: the Kubernetes API's JSON schemas (bundled, offline)
  # and PyYAML, to check the Indexed Job manifest in docs/cluster.md.
  if ! "$venv/bin/python" -c "import kubernetes_validate" 2>/dev/null; then
    begin "installing kubernetes-validate 1.37.0 into $venv"
    "$venv/bin/pip" install -q --no-compile "kubernetes-validate==1.37.0"
    done_step
  fi
}

case "$mode" in
  serve) serve_tools ;;
  lint) lint_tools ;;
  system) system_tools ;;
  tools) serve_tools; lint_tools; system_tools ;;
  mlflow) mlflow_venv ;;
  test) serve_tools; lint_tools; system_tools; mlflow_venv ;;
esac
