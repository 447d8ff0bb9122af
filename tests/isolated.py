"""Run a script in a process that can only see what a Hub user would: never the wicdistill package.

No PYTHONPATH, an empty HF cache, offline, and a working directory outside the repository, so
any wicdistill code must come from the saved folder through ``trust_remote_code``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(HF_HOME=str(tmp_path / "hf_home"), HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    return env


def run_isolated(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
