"""Readers for the text layouts of sentence pairs: TSV, two aligned files, MRPC, plain sentences.

Every reader streams, decodes each line on its own (a bad byte loses one line, not the file),
strips BOMs and CR (NTREX and MRPC use CRLF) and yields a ``RejectedLine`` with a reason for
every line it cannot use.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path

from .languages import normalize_lang
from .pairs import ReadItem, RejectedLine, SentencePair

Line = tuple[int, str | None]


def read_lines(path: str | Path) -> Iterator[Line]:
    """``(line_number, text)`` for each line; ``text`` is ``None`` when the bytes are not UTF-8."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            raw = raw.rstrip(b"\r\n")
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8").rstrip("\r")
            except UnicodeDecodeError:
                yield number, None


def clean_text(text: str) -> str:
    """Whitespace runs (tabs, newlines, NBSP) collapsed to one space, ends stripped."""
    return " ".join(text.split())


def pair_or_reject(
    source: str, location: str, pair_id: str, left: str | None, right: str | None, langs: tuple[str, str]
) -> ReadItem:
    """A pair, or the reason it is not one (``None`` = a side whose bytes were not UTF-8)."""
    if left is None or right is None:
        return RejectedLine(source, location, "undecodable bytes (not UTF-8)")
    left, right = clean_text(left), clean_text(right)
    if not left and not right:
        return RejectedLine(source, location, "empty line")
    if not left or not right:
        return RejectedLine(source, location, "one side missing")
    if left == right:
        return RejectedLine(source, location, "identical sides")
    return SentencePair(pair_id, source, left, right, langs[0], langs[1])


def read_tsv_pairs(
    path: str | Path,
    langs: tuple[str, str],
    source: str = "tsv",
    columns: tuple[int, int] = (0, 1),
    num_columns: int = 2,
    skip_header: bool = False,
    label_column: int | None = None,
    keep_label: str = "1",
) -> Iterator[ReadItem]:
    """Pairs from a tab-separated file (no quoting: quotes are part of the text)."""
    path = Path(path)
    langs = (normalize_lang(langs[0]), normalize_lang(langs[1]))
    tag = path.name.split(".")[0]
    for number, text in read_lines(path):
        location = f"{path.name}:{number}"
        if skip_header and number == 1:
            continue
        pair_id = f"{source}:{tag}:{number:06d}"
        if text is None:
            yield RejectedLine(source, location, "undecodable bytes (not UTF-8)")
            continue
        if not text.strip():
            yield RejectedLine(source, location, "empty line")
            continue
        fields = text.split("\t")
        if len(fields) != num_columns:
            yield RejectedLine(
                source, location, f"wrong column count ({len(fields)}, expected {num_columns})"
            )
            continue
        if label_column is not None and fields[label_column].strip() != keep_label:
            yield RejectedLine(
                source, location, f"label {fields[label_column].strip()!r} is not {keep_label!r}"
            )
            continue
        yield pair_or_reject(source, location, pair_id, fields[columns[0]], fields[columns[1]], langs)


def read_mrpc(path: str | Path) -> Iterator[ReadItem]:
    """MRPC ``msr-para-*.tsv``: header, BOM, CRLF; only label-1 (paraphrase) rows become pairs."""
    return read_tsv_pairs(
        path, ("en", "en"), "mrpc", columns=(3, 4), num_columns=5, skip_header=True, label_column=0
    )


def read_aligned_files(
    left_path: str | Path,
    right_path: str | Path,
    langs: tuple[str, str],
    source: str,
    tag: str | None = None,
) -> Iterator[ReadItem]:
    """Pairs from two line-aligned files; surplus lines of the longer file are rejected."""
    left_path, right_path = Path(left_path), Path(right_path)
    langs = (normalize_lang(langs[0]), normalize_lang(langs[1]))
    tag = tag or f"{langs[0]}-{langs[1]}"
    missing = (0, None)
    for left, right in zip_longest(read_lines(left_path), read_lines(right_path), fillvalue=missing):
        number = left[0] or right[0]
        location = f"{left_path.name}|{right_path.name}:{number}"
        if left is missing or right is missing:
            yield RejectedLine(source, location, "one side missing (files have different line counts)")
            continue
        yield pair_or_reject(source, location, f"{source}:{tag}:{number:06d}", left[1], right[1], langs)


def read_identified_pairs(path: str | Path, langs: tuple[str, str]) -> Iterator[ReadItem]:
    """``pair_id<TAB>left<TAB>right`` lines (the bundled format): ids and sources survive a copy."""
    path = Path(path)
    langs = (normalize_lang(langs[0]), normalize_lang(langs[1]))
    for number, text in read_lines(path):
        location = f"{path.name}:{number}"
        fields = text.split("\t") if text is not None else []
        if text is not None and len(fields) != 3:
            yield RejectedLine("bundled", location, f"wrong column count ({len(fields)}, expected 3)")
            continue
        pair_id = fields[0] if fields else f"bundled:{number:06d}"
        source = pair_id.split(":")[0]
        left, right = (fields[1], fields[2]) if fields else (None, None)
        yield pair_or_reject(source, location, pair_id, left, right, langs)


def read_sentences(path: str | Path, lang: str, source: str = "roundtrip") -> Iterator[ReadItem]:
    """One sentence per line, as pairs whose right side a round-trip translation will fill."""
    path = Path(path)
    lang = normalize_lang(lang)
    tag = path.name.split(".")[0]
    for number, text in read_lines(path):
        location = f"{path.name}:{number}"
        if text is None:
            yield RejectedLine(source, location, "undecodable bytes (not UTF-8)")
        elif not text.strip():
            yield RejectedLine(source, location, "empty line")
        else:
            yield SentencePair(f"{source}:{tag}:{number:06d}", source, clean_text(text), None, lang, lang)
