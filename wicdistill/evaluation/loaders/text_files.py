"""Reading the line-based benchmark files the same way everywhere."""

from __future__ import annotations

import os
from pathlib import Path


def read_lines(path: str | os.PathLike) -> list[str]:
    """Lines split on ``\\n`` only, ``\\r`` removed, without a final empty line.

    ``str.splitlines`` would also split on characters such as U+2028 or U+0085 that occur
    inside sentences, shifting every later line against its gold file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"benchmark file not found: {path}")
    text = path.read_text(encoding="utf-8-sig")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines
