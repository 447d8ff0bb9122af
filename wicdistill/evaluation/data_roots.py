"""Where benchmark files are looked up: one or more data folders, then the WiC copy in the package.

Every task names its files relative to a data folder laid out like the project's shared data
(``wic/dev/dev.data.txt``, ``mcl-wic/dev/multilingual/…``). Several folders can be given (e.g. a
held-out area first, then the shared data): each file comes from the first folder that has it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BUNDLED_DATA", "DATA_DIR_ENV", "DataRoots", "default_data_dirs"]

DATA_DIR_ENV = "WICDISTILL_DATA_DIR"
BUNDLED_DATA = Path(__file__).resolve().parents[1] / "data"
_REPO_ROOT = Path(__file__).resolve().parents[2]

PathLike = str | os.PathLike


def default_data_dirs() -> list[Path]:
    """``$WICDISTILL_DATA_DIR`` (os.pathsep-separated), else ``../shared/data`` next to the current
    directory or next to the repository."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return [Path(part) for part in env.split(os.pathsep) if part]
    candidates = [Path.cwd().parent / "shared" / "data", _REPO_ROOT.parent / "shared" / "data"]
    return [path for path in dict.fromkeys(c.resolve() for c in candidates) if path.is_dir()]


class DataRoots:
    """An ordered list of data folders plus the bundled WiC train/dev as the last resort."""

    def __init__(self, data_dir: PathLike | Sequence[PathLike] | None = None) -> None:
        if data_dir is None:
            roots = default_data_dirs()
        elif isinstance(data_dir, (str, os.PathLike)):
            roots = [Path(data_dir)]
        else:
            roots = [Path(d) for d in data_dir]
        for root in roots:
            if not root.is_dir():
                raise FileNotFoundError(f"data directory not found: {root}")
        self.roots = roots + [BUNDLED_DATA]

    def find(self, relative: str) -> Path | None:
        """The first existing ``root / relative``, or None."""
        for root in self.roots:
            candidate = root / relative
            if candidate.exists():
                return candidate
        return None

    def require(self, relative: str, task: str) -> Path:
        """Like ``find`` but a missing file is an error that says where it was looked for."""
        found = self.find(relative)
        if found is None:
            searched = ", ".join(str(r) for r in self.roots)
            raise FileNotFoundError(
                f"task {task!r} needs {relative}, not found under any data directory ({searched}); "
                f"pass data_dir=/--data-dir or set ${DATA_DIR_ENV}"
            )
        return found
