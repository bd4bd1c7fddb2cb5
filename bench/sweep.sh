#!/usr/bin/env bash
# Whole-sweep benchmark: `native-sweep run bench/sweep.toml --jobs J` (3x3 grid, 3 epochs,
# full Fashion-MNIST) vs bench/pytorch_sweep.py (the same 9 configs in a plain PyTorch loop,
# 2 threads), alternately, in one go. Prints wall seconds, the ratio ours/peer (lower is
# better for us) and the mean final test accuracy of each side.
#
# usage: bench/sweep.sh [PAIRS] [JOBS] [EPOCHS]   (env DATA=../shared/data/fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-1}; jobs=${2:-2}; epochs=${3:-3}
data=${DATA:-../shared/data/fashion-mnist}
source bench/venv.sh
cargo build --profile profiling -p sweeplab-native -q
bin=${CARGO_TARGET_DIR:-target}/profiling/native-sweep
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
sed -e "s|^path = \"../shared/data/fashion-mnist\"|path = \"$data\"|" -e "s|^epochs = .*|epochs = $epochs|" bench/sweep.toml > "$work/sweep.toml"
for i in $(seq "$pairs"); do
  rm -rf "$work/out"
  t0=$(date +%s.%N)
  "$bin" run "$work/sweep.toml" --out "$work/out" --backend cpu --jobs "$jobs" -q > /dev/null
  a=$(python3 -c "import time; print(time.time() - $t0)")
  acc_a=$(python3 -c "
import json, sys
recs = [json.loads(l) for l in open('$work/out/trials.jsonl')]
print(sum(r['epochs'][-1]['val_accuracy'] for r in recs) / len(recs), len(recs))")
  peer=$("$py" bench/pytorch_sweep.py "$data" "$epochs")
  b=$(echo "$peer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
  acc_b=$(echo "$peer" | python3 -c 'import json,sys; c=json.load(sys.stdin)["configs"]; print(sum(x["test_accuracy"] for x in c)/len(c))')
  printf 'pair %d: sweeplab --jobs %d %.0f s (%s trials, mean acc %s), pytorch loop %.0f s (mean acc %.4f), ratio %.3f\n' \
    "$i" "$jobs" "$a" "${acc_a#* }" "${acc_a% *}" "$b" "$acc_b" "$(python3 -c "print($a / $b)")"
done
