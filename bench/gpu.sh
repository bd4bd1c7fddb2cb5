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
# bench/reference.toml with this data set, 200 batches, 2 epochs.
python3 - "$data" "$((64 * batches))" > "$work/gpu.toml" <<'PY'
import sys
data, train = sys.argv[1:3]
text = open("bench/reference.toml").read().replace("epochs = 1", "epochs = 2")
print(text.replace('[dataset]\nname = "fashion-mnist"\n',
      f'[dataset]\nname = "fashion-mnist"\npath = "{data}"\ntrain_limit = {train}\nval_limit = 64\n'))
PY
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
