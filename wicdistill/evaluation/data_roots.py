"""Where benchmark files are looked up: the configured data folders, then the WiC copy in the package.

Every task names its files relative to a data folder laid out like the project's development data
(``wic/dev/dev.data.txt``, ``mcl-wic/dev/multilingual/…``). The configured folders are the first
of: the ``data_dir`` given (``--data-dir``, repeatable), ``$WICDISTILL_DATA_DIR``
(os.pathsep-separated), the data cache that ``wicdistill data download`` fills. Precedence rather
than a merged search keeps an explicit choice exact: a test or an evaluation that names its folders
never picks up whatever else happens to be installed. Several folders can be given (e.g. a held-out
area first, then the development data): each file comes from the first folder that has it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..backbones import cache_dir
from .benchmarks import benchmark_for_path

__all__ = [
    "BUNDLED_DATA",
    "DATA_DIR_ENV",
    "DataRoots",
    "data_cache_dir",
    "default_data_dirs",
    "download_hint",
]

DATA_DIR_ENV = "WICDISTILL_DATA_DIR"
BUNDLED_DATA = Path(__file__).resolve().parents[1] / "data"

PathLike = str | os.PathLike


def data_cache_dir() -> Path:
    """The folder ``wicdistill data download`` installs into: ``<wicdistill cache>/data``."""
    return cache_dir() / "data"


def default_data_dirs() -> list[Path]:
    """``$WICDISTILL_DATA_DIR`` when set, else the data cache when it exists, else nothing."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return [Path(part) for part in env.split(os.pathsep) if part]
    cache = data_cache_dir()
    return [cache] if cache.is_dir() else []


def download_hint(relative: str) -> str:
    """How to get the benchmark holding ``relative``: the ``wicdistill data download`` command."""
    options = (
        f"or pass data_dir=/--data-dir or set ${DATA_DIR_ENV} "
        f"(the cache {data_cache_dir()} is searched only when neither is given)"
    )
    benchmark = benchmark_for_path(relative)
    if benchmark is None:
        return options[len("or ") :]
    if benchmark.downloadable:
        return f"run `wicdistill data download {benchmark.name}` to install it into the cache, {options}"
    return (
        f"run `wicdistill data download {benchmark.name} --from FILE_OR_DIR` to install a copy into "
        f"the cache ({benchmark.note}), {options}"
    )


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
        """Like ``find`` but a missing file is an error that says where it was looked for and which
        command installs it."""
        found = self.find(relative)
        if found is None:
            searched = ", ".join(str(r) for r in self.roots)
            raise FileNotFoundError(
                f"task {task!r} needs {relative}, not found under any data directory ({searched}); "
                f"{download_hint(relative)}"
            )
        return found
