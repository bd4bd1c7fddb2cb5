# Sourced by the bench scripts: a venv with PyTorch (the peer), installed on first use.
# Sets $py to its python, and gives sweeplab the same 2 CPU threads as the
# PyTorch scripts (`torch.set_num_threads(2)`).
venv=${BENCH_VENV:-$HOME/.cache/sweeplab/bench-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
  echo "bench: installing PyTorch into $venv (PyPI)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q torch==2.15.0 numpy
fi
py="$venv/bin/python"
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-2}
