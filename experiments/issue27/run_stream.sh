#!/bin/sh
# Train and evaluate the given variant recipes one after another, one thread each, logging every run.
#   I27=DIR WICDISTILL_SHARED_DATA=... WICDISTILL_DATA_DIR=... sh experiments/issue27/run_stream.sh A.yaml B.yaml
set -u
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
mkdir -p "$I27/logs"
for recipe in "$@"; do
  name=$(basename "$recipe" .yaml)
  start=$(date +%s)
  wicdistill recipe "$recipe" --stages "${STAGES:-train,evaluate}" > "$I27/logs/$name.log" 2>&1
  echo "$name rc=$? $(( $(date +%s) - start ))s" >> "$I27/logs/stream.txt"
done
