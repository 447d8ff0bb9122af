"""Input specifications (``KIND:PATH[:ARG]``) for the command line and the config.

tsv:pairs.tsv[:en-fr]          two tab-separated columns (default en-en)
files:a.en,b.fr:en-fr          two line-aligned files
mrpc:msr-para-train.tsv        MRPC, label-1 rows only (comma-separate several files)
wmt-multiref:DIR[:en]          pairs of independent references of one WMT source
wmt:DIR:de,ru,zh               WMT en-X and X-en bitext (sources/ + references/)
tatoeba:DIR:ara,fra,cmn        LASER Tatoeba files
ntrex:DIR:arb,fra,zho-CN       NTREX-128 multi-way references
roundtrip:sentences.txt[:en]   sentences paraphrased by round-trip translation
hf:NAME_OR_PATH[:CONFIG][:SPLIT][?OPTIONS]
                               a Hugging Face dataset (Hub id, local folder or data file) through
                               datasets.load_dataset; its 'translation' column, or
                               ?columns=SRC,TGT&langs=en-fr; also langs=en-fr,en-de (which pairs of
                               the translation dict), score=COL&min_score=1.06, streaming=0|1
                               (default 1 for Hub ids, 0 for local data)
roundtrip:hf:NAME_OR_PATH[:CONFIG][:SPLIT][?column=text&lang=en]
                               sentences of a dataset column, paraphrased by round-trip translation
bundled                        the English paraphrases shipped with wicdistill
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from .hub_datasets import PREFIX as HUB_PREFIX
from .hub_datasets import HubReader, parse_hub_spec
from .languages import checked_lang
from .layouts import read_ntrex, read_tatoeba, read_wmt_bitext, read_wmt_multireference
from .pairs import ReadItem
from .readers import (
    read_aligned_files,
    read_identified_pairs,
    read_lines,
    read_mrpc,
    read_sentences,
    read_tsv_pairs,
)

BUNDLED_FILES = ("wmt21-multiref.en-en.tsv.gz", "mrpc-train-val.en-en.tsv.gz")


def bundled_paraphrases_path() -> Path:
    """The folder of bundled paraphrase pairs (see its NOTICE.md for licences)."""
    return Path(__file__).resolve().parents[1] / "data" / "paraphrases"


def bundled_paraphrase_files() -> list[Path]:
    """The bundled ``pair_id<TAB>left<TAB>right`` files, less-overlapping WMT pairs first."""
    return [bundled_paraphrases_path() / name for name in BUNDLED_FILES]


KINDS = ("tsv", "files", "mrpc", "wmt-multiref", "wmt", "tatoeba", "ntrex", "roundtrip", "hf", "bundled")
_NEEDS_ARG = {"files", "wmt", "tatoeba", "ntrex"}
_OPTIONAL_ARG = {"tsv", "wmt-multiref", "roundtrip"}


@dataclass(frozen=True)
class SourceSpec:
    """One parsed input specification."""

    kind: str
    path: str
    arg: str | None = None

    def __str__(self) -> str:
        return ":".join(part for part in (self.kind, self.path, self.arg) if part)


def parse_source(spec: str) -> SourceSpec:
    """``"tatoeba:data/tatoeba:ara,fra"`` -> ``SourceSpec("tatoeba", "data/tatoeba", "ara,fra")``."""
    kind, _, rest = spec.partition(":")
    if kind not in KINDS:
        raise ValueError(f"input {spec!r}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "bundled":
        return SourceSpec("bundled", "")
    if not rest:
        raise ValueError(f"input {spec!r}: missing path (expected {kind}:PATH)")
    if kind == "hf":
        parse_hub_spec(spec, "pairs")
        return SourceSpec("hf", rest)
    if kind == "roundtrip" and rest.startswith(HUB_PREFIX):
        parse_hub_spec(rest, "sentences")
        return SourceSpec("roundtrip", rest)
    path, arg = rest, None
    if kind in _NEEDS_ARG or kind in _OPTIONAL_ARG:
        head, sep, tail = rest.rpartition(":")
        if sep and head:
            path, arg = head, tail
        elif kind in _NEEDS_ARG:
            raise ValueError(f"input {spec!r}: {kind} needs an argument, e.g. {kind}:PATH:de,fr")
    return SourceSpec(kind, path, arg)


def _lang_pair(spec: SourceSpec, default: str = "en-en") -> tuple[str, str]:
    value = spec.arg or default
    parts = value.split("-")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"input {spec}: language pair must look like 'en-fr', got {value!r}")
    return checked_lang(parts[0], f"input {spec}"), checked_lang(parts[1], f"input {spec}")


def _lang_list(spec: SourceSpec) -> list[str]:
    langs = [code.strip() for code in (spec.arg or "").split(",") if code.strip()]
    if not langs:
        raise ValueError(f"input {spec}: expected a comma-separated language list, got {spec.arg!r}")
    for code in langs:
        checked_lang(code, f"input {spec}")
    return langs


def hub_reader(spec: SourceSpec) -> HubReader | None:
    """The dataset reader of an ``hf:`` or ``roundtrip:hf:`` input (``None`` for file inputs)."""
    if spec.kind == "hf":
        return HubReader(parse_hub_spec(str(spec), "pairs"))
    if spec.kind == "roundtrip" and spec.path.startswith(HUB_PREFIX):
        return HubReader(parse_hub_spec(spec.path, "sentences"))
    return None


def _file_items(spec: SourceSpec) -> Iterator[ReadItem]:
    if spec.kind == "bundled":
        for path in bundled_paraphrase_files():
            yield from read_identified_pairs(path, ("en", "en"))
    elif spec.kind == "tsv":
        yield from read_tsv_pairs(spec.path, _lang_pair(spec))
    elif spec.kind == "files":
        paths = spec.path.split(",")
        if len(paths) != 2:
            raise ValueError(f"input {spec}: files needs two comma-separated paths, got {spec.path!r}")
        yield from read_aligned_files(paths[0], paths[1], _lang_pair(spec), "files", tag=Path(paths[0]).stem)
    elif spec.kind == "mrpc":
        for path in spec.path.split(","):
            yield from read_mrpc(path)
    elif spec.kind == "wmt-multiref":
        yield from read_wmt_multireference(spec.path, checked_lang(spec.arg or "en", f"input {spec}"))
    elif spec.kind == "wmt":
        yield from read_wmt_bitext(spec.path, _lang_list(spec))
    elif spec.kind == "tatoeba":
        yield from read_tatoeba(spec.path, _lang_list(spec))
    elif spec.kind == "ntrex":
        yield from read_ntrex(spec.path, _lang_list(spec))
    elif spec.kind == "roundtrip":
        yield from read_sentences(spec.path, checked_lang(spec.arg or "en", f"input {spec}"))


def iterate_source(spec: SourceSpec, start: int = 0) -> Iterator[ReadItem]:
    """Stream the pairs (and rejected lines) of one input from item ``start`` on; dataset inputs
    skip the rows before it without reading them, file inputs read and drop them."""
    reader = hub_reader(spec)
    if reader is not None:
        yield from reader.items(start)
    else:
        yield from islice(_file_items(spec), start, None)


def iterate_sources(specs: list[str], start: int = 0) -> Iterator[ReadItem]:
    """All inputs in the given order (the order fixes every pair's position for resuming), from
    item ``start`` of their concatenation on: the tail of the full stream, read cheaply."""
    parsed = [parse_source(spec) for spec in specs]
    for spec in parsed:
        reader = hub_reader(spec)
        if reader is None:
            for item in _file_items(spec):
                if start:
                    start -= 1
                else:
                    yield item
            continue
        length = reader.known_length()
        if length is not None and start >= length:
            start -= length
            continue
        yielded = False
        for item in reader.items(start):
            yielded = True
            yield item
        start = start - reader.count() if start and not yielded else 0


def vocabulary_texts(path: str) -> Iterator[str]:
    """The texts of one ``--vocab-text LANG:PATH`` source: a text file's non-empty lines, or the
    ``text`` column (``?column=NAME``) of an ``hf:`` dataset (Wikipedia dumps for word counts)."""
    if path.startswith(HUB_PREFIX):
        yield from HubReader(parse_hub_spec(path, "texts")).texts()
    else:
        for _, text in read_lines(path):
            if text:
                yield text
