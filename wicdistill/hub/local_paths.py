"""Local paths never reach a published file: how they are recognised and reduced.

A path of the training machine in a card or an exported JSON report leaks a user name or a
folder layout and means nothing to anyone else; its last component still says what it was.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


def is_local_path(value: str) -> bool:
    """Absolute, home-relative or explicitly relative paths (Hub ids are none of these)."""
    return (
        os.path.isabs(value)
        or value.startswith(("~", "./", "../", ".\\", "..\\"))
        or bool(_WINDOWS_ABSOLUTE.match(value))
    )


def scrub_local_paths(value: Any) -> Any:
    """``value`` with every local path string reduced to its last component, recursively."""
    if isinstance(value, str):
        return Path(value.replace("\\", "/")).name if is_local_path(value) else value
    if isinstance(value, dict):
        return {k: scrub_local_paths(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_local_paths(v) for v in value)
    return value
