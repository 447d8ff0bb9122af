"""Readers for published bitext layouts: Tatoeba (LASER), NTREX-128 and WMT test sets.

Each maps its file-name language codes to the records' short codes and yields pairs in a
fixed file order, so a pair's position (and its ``pair_id``) never changes between runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .languages import match_code, normalize_lang
from .pairs import ReadItem
from .readers import read_aligned_files

WMT_REFERENCE = re.compile(
    r"^(?P<set>[a-z]+test(?P<year>\d{4}))\.(?P<src>[a-z]+)-(?P<tgt>[a-z]+)\.ref\.(?P<ref>\w+)\.[a-z]+$"
)


def _require_dir(path: str | Path, what: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder not found: {path}")
    return path


def _pick_code(requested: str, available: Sequence[str], what: str) -> str:
    """The file code for a requested language (``languages.match_code``), or an error naming the codes."""
    code = match_code(requested, available)
    if code is None:
        raise ValueError(
            f"{what}: no file for language {requested!r}; available codes: {', '.join(sorted(available))}"
        )
    return code


def read_tatoeba(folder: str | Path, langs: Sequence[str]) -> Iterator[ReadItem]:
    """``tatoeba.<xxx>-eng.<xxx>`` + ``tatoeba.<xxx>-eng.eng`` for each requested language (en first)."""
    folder = _require_dir(folder, "Tatoeba")
    available = sorted(p.name.split(".")[1].split("-")[0] for p in folder.glob("tatoeba.*-eng.eng"))
    for requested in langs:
        code = _pick_code(requested, available, f"Tatoeba folder {folder}")
        yield from read_aligned_files(
            folder / f"tatoeba.{code}-eng.eng",
            folder / f"tatoeba.{code}-eng.{code}",
            ("en", code),
            "tatoeba",
            tag=code,
        )


def read_ntrex(folder: str | Path, langs: Sequence[str]) -> Iterator[ReadItem]:
    """``newstest2019-src.eng.txt`` with ``newstest2019-ref.<code>.txt`` (multi-way, CRLF)."""
    folder = _require_dir(folder, "NTREX-128")
    source = folder / "newstest2019-src.eng.txt"
    available = sorted(
        p.name[len("newstest2019-ref.") : -len(".txt")] for p in folder.glob("newstest2019-ref.*.txt")
    )
    for requested in langs:
        code = _pick_code(requested, available, f"NTREX folder {folder}")
        yield from read_aligned_files(
            source, folder / f"newstest2019-ref.{code}.txt", ("en", code), "ntrex128", tag=code
        )


def _wmt_references(folder: Path) -> list[re.Match]:
    references = folder / "references"
    if not references.is_dir():
        raise FileNotFoundError(f"WMT folder {folder} has no references/ sub-folder")
    matches = [WMT_REFERENCE.match(p.name) for p in sorted(references.iterdir())]
    return [m for m in matches if m]


def read_wmt_bitext(folder: str | Path, langs: Sequence[str], english: str = "en") -> Iterator[ReadItem]:
    """en-X and X-en sets of a WMT ``sources/`` + ``references/`` folder, English on the left.

    One reference per direction (the first by name), so a source line is paired once.
    """
    folder = _require_dir(folder, "WMT")
    wanted = {normalize_lang(code) for code in langs}
    seen: set[tuple[str, str, str]] = set()
    for match in _wmt_references(folder):
        src, tgt, test_set = match["src"], match["tgt"], match["set"]
        other = tgt if src == english else src if tgt == english else None
        if other is None or normalize_lang(other) not in wanted or (test_set, src, tgt) in seen:
            continue
        seen.add((test_set, src, tgt))
        source_file = folder / "sources" / f"{test_set}.{src}-{tgt}.src.{src}"
        reference_file = folder / "references" / match.string
        english_file, other_file = (
            (source_file, reference_file) if src == english else (reference_file, source_file)
        )
        yield from read_aligned_files(
            english_file,
            other_file,
            (english, other),
            f"wmt{match['year'][2:]}",
            tag=f"{src}-{tgt}",
        )


def read_wmt_multireference(folder: str | Path, lang: str = "en") -> Iterator[ReadItem]:
    """Paraphrase pairs from two independent references of the same source (e.g. de-en A and B)."""
    folder = _require_dir(folder, "WMT")
    by_set: dict[tuple[str, str, str], list[re.Match]] = {}
    for match in _wmt_references(folder):
        if match["tgt"] == lang:
            by_set.setdefault((match["set"], match["src"], match["tgt"]), []).append(match)
    for (_, src, tgt), refs in sorted(by_set.items()):
        if len(refs) < 2:
            continue
        first, second = refs[0], refs[1]
        yield from read_aligned_files(
            folder / "references" / first.string,
            folder / "references" / second.string,
            (lang, lang),
            f"wmt{first['year'][2:]}-multiref",
            tag=f"{src}-{tgt}",
        )
