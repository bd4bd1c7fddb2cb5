#!/usr/bin/env bash
# Native GPU row: sweeplab on wgpu (`native-sweep --backend auto`, which takes a
# hardware adapter only) vs PyTorch on CUDA, the reference CNN, alternately.
# Without a hardware GPU (or without CUDA for PyTorch) it prints one line
# saying so and exits 0.
#
# usage: bench/gpu.sh [PAIRS]   (env DATA=../shared/data/fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3}
data=${DATA:-../shared/data/fashion-mnist}
source bench/venv.sh
cargo build --profile profiling -p sweeplab-native -q
bin=${CARGO_TARGET_DIR:-target}/profiling/native-sweep
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
batches=200
cat > "$work/gpu.toml" <<TOML
name = "bench-gpu"
[dataset]
name = "fashion-mnist"
path = "$data"
train_limit = $((64 * batches))
val_limit = 64
[base.model]
kind = "cnn"
conv_blocks = 2
channels = [16, 32]
norm = "batch"
pool = "max"
dense = [64]
dropout = 0.25
[base.train]
optimizer = "adam"
lr = 1e-3
batch_size = 64
epochs = 2
[[axes]]
path = "model.dropout"
values = [0.25]
TOML
# One trial; images/s of its second (warm: shaders compiled, autotuned) epoch.
ours() {
  rm -rf "$work/out"
  "$bin" run "$work/gpu.toml" --out "$work/out" --backend auto -q > /dev/null
  python3 - "$work/out/trials.jsonl" "$((64 * batches))" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(r["backend"], int(sys.argv[2]) / r["epochs"][1]["seconds"], r["device"].replace(" ", "_"))
PY
}
first=$(ours)
read -r backend _ device <<< "$first"
if [ "$backend" != "wgpu" ]; then
  echo "native GPU: skipped: no hardware GPU adapter here (auto chose $backend: $device)"
  exit 0
fi
if ! "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "native GPU: skipped: PyTorch sees no CUDA device (sweeplab's adapter: $device)"
  exit 0
fi
for i in $(seq "$pairs"); do
  run=$(ours)
  read -r _ a _ <<< "$run"
  b=$(TORCH_DEVICE=cuda "$py" bench/pytorch_reference.py "$data" speed 20 "$batches" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
  printf 'pair %d: sweeplab wgpu (%s) %.0f img/s, pytorch cuda %.0f img/s, ratio %.3f\n' "$i" "$device" "$a" "$b" "$(python3 -c "print($a / $b)")"
done
