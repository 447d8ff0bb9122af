"""The corpus record (docs/schemas.md): one (anchor, positive, negative) triple and its provenance."""

from __future__ import annotations

from typing import Any

import datasets

SETTINGS = ("monolingual", "crosslingual")

_SPAN = {
    "text": datasets.Value("string"),
    "start": datasets.Value("int32"),
    "end": datasets.Value("int32"),
    "lang": datasets.Value("string"),
}

FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "anchor": _SPAN,
        "positive": _SPAN,
        "negative": _SPAN,
        "setting": datasets.Value("string"),
        "negative_strategy": datasets.Value("string"),
        "positive_source": datasets.Value("string"),
        "alignment": datasets.Value("string"),
        "alignment_score": datasets.Value("float32"),
        "negative_score": datasets.Value("float32"),
        "pair_id": datasets.Value("string"),
    }
)


def span(text: str, start: int, end: int, lang: str) -> dict[str, Any]:
    return {"text": text, "start": int(start), "end": int(end), "lang": lang}


def check_record(record: dict[str, Any], expected_words: dict[str, str] | None = None) -> None:
    """Raise ``ValueError`` naming the field when a record breaks the schema's invariants."""
    missing = [key for key in FEATURES if key not in record]
    if missing:
        raise ValueError(f"record {record.get('id')!r} lacks fields {missing}")
    if record["setting"] not in SETTINGS:
        raise ValueError(f"record {record['id']!r}: setting {record['setting']!r} is not one of {SETTINGS}")
    for role in ("anchor", "positive", "negative"):
        element = record[role]
        text, start, end = element["text"], element["start"], element["end"]
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"record {record['id']!r}: {role} span ({start}, {end}) outside text of length {len(text)}"
            )
        if expected_words and role in expected_words and text[start:end] != expected_words[role]:
            raise ValueError(
                f"record {record['id']!r}: {role} span slices {text[start:end]!r}, expected {expected_words[role]!r}"
            )
