#!/usr/bin/env bash
# Runs one step of `make test` and prints how long it took, so a CI log shows
# where its minutes go: `scripts/step.sh LABEL COMMAND [ARGS...]`.
label="$1"
shift
start=$(date +%s)
rc=0
"$@" || rc=$?
echo "step: $label took $(( $(date +%s) - start )) s (exit $rc)"
exit "$rc"
