"""Deterministic kill points for the fault-injection tests: a long stage calls ``kill_point`` after
each unit of work it has made durable, and ``$WICDISTILL_KILL_AFTER=STAGE:N`` makes the process
die there (SIGKILL, no clean-up), so that a test can prove the resumed output is the same.

Stages: ``build-corpus:CHUNK`` and ``extract-features:CHUNK`` after a committed chunk;
``train:STEP`` after training step STEP (its validation and checkpoint included);
``train-checkpoint:STEP`` inside the checkpoint of STEP, once its files are written but before
it is committed (the previous checkpoint must then be the one a resume finds).
"""

from __future__ import annotations

import os
import signal

KILL_ENV = "WICDISTILL_KILL_AFTER"


def kill_point(stage: str, unit: int) -> None:
    """SIGKILL this process if ``$WICDISTILL_KILL_AFTER`` names ``STAGE:unit``."""
    if os.environ.get(KILL_ENV) == f"{stage}:{unit}":
        os.kill(os.getpid(), signal.SIGKILL)
