"""The small English paraphrase set shipped inside the package (quick start, tests, demos)."""

from __future__ import annotations

from pathlib import Path

BUNDLED_FILES = ("wmt21-multiref.en-en.tsv.gz", "mrpc-train-val.en-en.tsv.gz")


def bundled_paraphrases_path() -> Path:
    """The folder of bundled paraphrase pairs (see its NOTICE.md for licences)."""
    return Path(__file__).resolve().parents[1] / "data" / "paraphrases"


def bundled_paraphrase_files() -> list[Path]:
    """The bundled ``pair_id<TAB>left<TAB>right`` files, less-overlapping WMT pairs first."""
    return [bundled_paraphrases_path() / name for name in BUNDLED_FILES]
