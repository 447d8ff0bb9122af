#!/bin/sh
# Restore the full per-run result folders (evaluation.json/.md/.png, training_summary.json with
# the loss curves) that left the working tree when experiments/ split from bench/.
# They live on in git history; this extracts them from the last commit that held them.
#
#   sh experiments/fetch_results.sh [DEST]     # default DEST: experiments/full-results
#
# DEST/bench/results/<run set>/<run>/ then holds each run's files; the folder column of
# experiments/runs.csv names the one behind each row of the summary tables.
set -eu
COMMIT=8a8402723c3a4d93d11c3f368a79aff52332be90
DEST=${1:-experiments/full-results}
cd "$(git rev-parse --show-toplevel)"
mkdir -p "$DEST"
git archive "$COMMIT" \
    bench/results/ablation bench/results/recipe1 bench/results/xling bench/results/xling-wide \
    bench/results/xling-offset-es bench/results/eval-baseline-minilm bench/results/eval-baseline-e5 \
    | tar -x -C "$DEST"
echo "restored $(find "$DEST/bench/results" -type f | wc -l) files under $DEST/bench/results"
