#!/usr/bin/env bash
# Native CPU benchmark: sweeplab (Burn flex) vs PyTorch (CPU, 2 threads) on
# the reference CNN (bench/reference.toml), run alternately A B A B ... in one go.
# Prints images/s per run and the median of the per-pair ratios.
#
# Then, unless ACC_EPOCHS=0, trains each once for ACC_EPOCHS (default 5) full
# epochs on Fashion-MNIST and prints both test accuracies (the parity check).
#
# usage: bench/run.sh [PAIRS] [WARMUP] [TIMED]   (env DATA=../shared/data/fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}; warmup=${2:-5}; timed=${3:-60}
data=${DATA:-../shared/data/fashion-mnist}
source bench/venv.sh
cargo build --profile profiling -p sweeplab-bench -q
bin=${CARGO_TARGET_DIR:-target}/profiling/bench-cpu
ours=(); theirs=(); ratios=()
for i in $(seq "$pairs"); do
  a=$("$bin" "$data" speed "$warmup" "$timed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
  b=$("$py" bench/pytorch_reference.py "$data" speed "$warmup" "$timed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
  r=$(python3 -c "print($a / $b)")
  printf 'pair %d: sweeplab %.0f img/s, pytorch %.0f img/s, ratio %.3f\n' "$i" "$a" "$b" "$r"
  ours+=("$a"); theirs+=("$b"); ratios+=("$r")
done
python3 - "${ours[*]}" "${theirs[*]}" "${ratios[*]}" <<'PY'
import statistics, sys
o, t, r = ([float(x) for x in s.split()] for s in sys.argv[1:4])
print(f"median: sweeplab {statistics.median(o):.0f} img/s, pytorch {statistics.median(t):.0f} img/s, "
      f"ratio (median of pairs) {statistics.median(r):.3f}x")
PY
acc_epochs=${ACC_EPOCHS:-5}
if [ "$acc_epochs" -gt 0 ]; then
  a=$("$bin" "$data" accuracy "$acc_epochs")
  b=$("$py" bench/pytorch_reference.py "$data" accuracy "$acc_epochs")
  python3 - "$a" "$b" <<'PY'
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
print(f"test accuracy after {a['epochs']} epochs: sweeplab {a['test_accuracy']:.4f} ({a['seconds']:.0f} s), "
      f"pytorch {b['test_accuracy']:.4f} ({b['seconds']:.0f} s), "
      f"difference {100 * (a['test_accuracy'] - b['test_accuracy']):+.2f} percentage points")
PY
fi
