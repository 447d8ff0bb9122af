"""Hugging Face datasets as corpus inputs: ``hf:NAME_OR_PATH[:CONFIG][:SPLIT][?OPTION=VALUE&...]``.

Rows come through ``datasets.load_dataset``: a Hub id (``Helsinki-NLP/opus-100:en-fr``), a local
folder of data files, or one local data file (.parquet, .arrow, .jsonl, .json, .csv). Hub ids
stream by default (no multi-gigabyte download before the first pair); local data is loaded
(memory-mapped Arrow: its length is known and skipping rows costs nothing).

Every row yields exactly one item (a pair or a ``RejectedLine``) per language pair read from
it, so item position ``N`` is row ``N // k``: a resumed or sharded build starts at any position
with ``skip`` and sees the same pairs, with the same ids, as a build that read every row.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from .languages import checked_lang, match_code, normalize_lang
from .pairs import ReadItem, RejectedLine, SentencePair
from .readers import clean_text, pair_or_reject

PREFIX = "hf:"
OPTIONS = {
    "pairs": ("columns", "langs", "min_score", "score", "streaming"),
    "sentences": ("column", "lang", "streaming"),
    "texts": ("column", "streaming"),
}
"""The options each use of an hf: spec takes: bitext/paraphrase pairs (``hf:``), sentences to
round-trip (``roundtrip:hf:``), texts for word counts (``--vocab-text LANG:hf:``)."""
DATA_FILE_BUILDERS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
}
TRANSLATION_COLUMN = "translation"
TEXT_COLUMN = "text"
DEFAULT_SPLIT = "train"
BATCH_ROWS = 1024
_TEXT_DTYPES = ("string", "large_string")


@dataclass(frozen=True)
class HubSpec:
    """One parsed hf: spec; ``spec`` is the text as written, for messages."""

    spec: str
    use: str
    name: str
    config: str | None
    split: str
    local: bool
    streaming: bool
    columns: tuple[str, ...] = ()
    lang_pairs: tuple[tuple[str, str], ...] = ()
    lang: str = "en"
    score: str | None = None
    min_score: float | None = None

    @property
    def data_file_builder(self) -> str | None:
        """The packaged ``datasets`` builder of a local data file (``None`` for Hub ids and folders)."""
        path = Path(self.name)
        if not self.local or path.is_dir():
            return None
        suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2", ".xz", ".zst")]
        return DATA_FILE_BUILDERS.get(suffixes[-1]) if suffixes else None

    @property
    def tag(self) -> str:
        """Names the input in pair ids, places and stats: the Hub id or the local file/folder name."""
        base = Path(self.name).name if self.local else self.name
        return f"{base}/{self.config}" if self.config else base


def _fail(spec: str, message: str) -> ValueError:
    return ValueError(f"input {spec!r}: {message}")


def _parse_options(spec: str, query: str, use: str) -> dict[str, str]:
    valid = OPTIONS[use]
    options: dict[str, str] = {}
    for item in query.split("&"):
        key, sep, value = item.partition("=")
        if key not in valid:
            close = get_close_matches(key, valid, 1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(spec, f"unknown option {key!r}{hint}; valid options: {', '.join(valid)}")
        if not sep or not value.strip():
            raise _fail(spec, f"option {key!r} needs a value ({key}=...)")
        if key in options:
            raise _fail(spec, f"option {key!r} is given twice")
        options[key] = value.strip()
    return options


def _lang_pairs(spec: str, value: str, translation: bool) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in value.split(","):
        codes = item.strip().split("-")
        if len(codes) != 2 or not all(codes):
            raise _fail(
                spec,
                f"langs takes language pairs such as langs=en-fr (a region after '_': zho_CN), got {item!r}",
            )
        for code in codes:
            checked_lang(code, f"input {spec!r}")
        if translation and normalize_lang(codes[0]) == normalize_lang(codes[1]):
            raise _fail(spec, f"a translation pair needs two languages, got {item!r}")
        pairs.append((codes[0], codes[1]))
    if not translation and len(pairs) != 1:
        raise _fail(
            spec,
            f"with columns=, langs names the two columns' languages (one pair, e.g. en-fr), got {value!r}",
        )
    return tuple(pairs)


def _local(spec: str, name: str) -> bool:
    """Whether ``name`` is a local file or folder; a name that can only be a path must exist."""
    path = Path(name)
    if path.exists():
        return True
    looks_like_path = name.startswith((".", "/")) or name.count("/") > 1
    if looks_like_path or path.suffix.lower() in DATA_FILE_BUILDERS:
        raise FileNotFoundError(
            f"input {spec!r}: no such file or folder {name!r} (a Hub id looks like OWNER/NAME)"
        )
    return False


def parse_hub_spec(spec: str, use: str = "pairs") -> HubSpec:
    """``"hf:wmt/wmt19:de-en:validation?langs=en-de"`` -> a ``HubSpec``; every mistake is one line
    naming the bad part and what was expected."""
    if not spec.startswith(PREFIX):
        raise _fail(spec, f"an hf: spec starts with {PREFIX!r}")
    location, sep, query = spec[len(PREFIX) :].partition("?")
    if sep and not query:
        raise _fail(spec, f"nothing after '?'; options: {', '.join(OPTIONS[use])}")
    parts = location.split(":")
    if len(parts) > 3 or not parts[0]:
        raise _fail(spec, "expected hf:NAME_OR_PATH[:CONFIG][:SPLIT][?OPTION=VALUE&...]")
    name, config, split = (parts + ["", ""])[:3]
    options = _parse_options(spec, query, use) if sep else {}
    local = _local(spec, name)
    fields: dict[str, Any] = {"streaming": not local}
    if "streaming" in options:
        if options["streaming"] not in ("0", "1"):
            raise _fail(spec, f"streaming must be 0 or 1, got {options['streaming']!r}")
        fields["streaming"] = options["streaming"] == "1"
    if "columns" in options:
        columns = tuple(c.strip() for c in options["columns"].split(","))
        if len(columns) != 2 or not all(columns) or columns[0] == columns[1]:
            raise _fail(
                spec,
                f"columns names two different text columns, e.g. columns=sentence1,sentence2; got {options['columns']!r}",
            )
        fields["columns"] = columns
    if "column" in options:
        if "," in options["column"]:
            raise _fail(spec, f"column names one text column, got {options['column']!r}")
        fields["columns"] = (options["column"],)
    elif use != "pairs":
        fields["columns"] = (TEXT_COLUMN,)
    if use == "pairs":
        translation = "columns" not in options
        langs = options.get("langs", "" if translation else "en-en")
        fields["lang_pairs"] = _lang_pairs(spec, langs, translation) if langs else ()
    if "lang" in options:
        fields["lang"] = checked_lang(options["lang"], f"input {spec!r}")
    if ("score" in options) != ("min_score" in options):
        raise _fail(
            spec, "score=COLUMN and min_score=NUMBER go together (keep rows whose score >= min_score)"
        )
    if "score" in options:
        try:
            threshold = float(options["min_score"])
        except ValueError:
            threshold = math.nan
        if not math.isfinite(threshold):
            raise _fail(
                spec, f"min_score must be a number, e.g. min_score=1.06; got {options['min_score']!r}"
            )
        fields["score"], fields["min_score"] = options["score"], threshold
    hub_spec = HubSpec(spec, use, name, config or None, split or DEFAULT_SPLIT, local, **fields)
    if local and config and hub_spec.data_file_builder:
        raise _fail(spec, f"a data file has no CONFIG; write hf:{name}[::SPLIT]")
    if local and not Path(name).is_dir() and not hub_spec.data_file_builder:
        raise _fail(
            spec, f"{name!r} is not a data file datasets reads ({', '.join(DATA_FILE_BUILDERS)}) or a folder"
        )
    return hub_spec


def load_rows(spec: HubSpec):
    """The split of an hf: input, through the one ``datasets.load_dataset`` call all of them use."""
    from datasets import load_dataset

    try:
        if builder := spec.data_file_builder:
            return load_dataset(builder, data_files=spec.name, split=spec.split, streaming=spec.streaming)
        return load_dataset(spec.name, spec.config, split=spec.split, streaming=spec.streaming)
    except (ValueError, FileNotFoundError, ConnectionError) as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        kind = FileNotFoundError if isinstance(error, FileNotFoundError) else ValueError
        raise kind(f"input {spec.spec!r}: datasets.load_dataset failed: {lines[0]}") from error


@dataclass(frozen=True)
class _Side:
    """Where one side of a pair is in a row: a column, and a key of it for translation dicts."""

    column: int
    name: str
    key: str | None = None

    def value(self, values: Sequence[Any]) -> Any:
        cell = values[self.column]
        if self.key is None:
            return cell
        return cell.get(self.key) if isinstance(cell, dict) else None

    def reason(self, value: Any) -> str | None:
        """Why ``value`` cannot be this side (``None`` when it is text)."""
        if isinstance(value, str):
            return None
        if self.key is not None:
            what = f"language {self.key!r}"
            return f"missing {what}" if value is None else f"{what} is not text"
        return f"no text in column {self.name!r}" if value is None else f"column {self.name!r} is not text"


@dataclass(frozen=True)
class _PairPlan:
    """One pair read from every row: its two sides, their record languages, its pair-id suffix."""

    left: _Side
    right: _Side
    langs: tuple[str, str]
    id_suffix: str = ""


class HubReader:
    """One hf: input, loaded once: ``items(start)`` from any position, ``count()``, ``texts()``."""

    def __init__(self, spec: HubSpec) -> None:
        self.spec = spec
        self.dataset = load_rows(spec)
        self.source = f"hf:{spec.tag}"
        self._features = self.dataset.features
        self._names = list(self._features) if self._features is not None else self._first_row_names()
        self.columns: list[str] = []
        self.pairs: list[_PairPlan] = []
        if spec.use == "pairs":
            self._plan_pairs()
        else:
            self._text_column(spec.columns[0])
            self.columns.append(spec.columns[0])
        if spec.score:
            self._check_column(spec.score)
            if self._features is not None and not _is_number(self._features[spec.score]):
                raise _fail(
                    spec.spec,
                    f"score column {spec.score!r} holds {_describe(self._features[spec.score])}, not numbers",
                )
            self.columns.append(spec.score)

    # -- the plan: which columns, which sides --------------------------------------------

    def _first_row_names(self) -> list[str]:
        first = next(iter(self.dataset.take(1)), None)
        return list(first) if first else []

    def _check_column(self, name: str) -> None:
        if name not in self._names:
            raise _fail(
                self.spec.spec,
                f"no column {name!r}; the dataset has: {', '.join(self._names) or 'no columns'}",
            )

    def _text_column(self, name: str) -> None:
        self._check_column(name)
        feature = self._features[name] if self._features is not None else None
        if feature is not None and getattr(feature, "dtype", None) not in _TEXT_DTYPES:
            raise _fail(self.spec.spec, f"column {name!r} holds {_describe(feature)}, not text")

    def _translation_keys(self) -> list[str]:
        name = TRANSLATION_COLUMN
        if name not in self._names:
            raise _fail(
                self.spec.spec,
                f"no {name!r} column; name two text columns with columns=SRC,TGT "
                f"(the dataset has: {', '.join(self._names) or 'no columns'})",
            )
        feature = self._features[name] if self._features is not None else None
        if feature is None:
            first = next(iter(self.dataset.select_columns([name]).take(1)), {}).get(name)
            return list(first) if isinstance(first, dict) else []
        if hasattr(feature, "languages"):
            return list(feature.languages)
        if isinstance(feature, dict):
            return list(feature)
        raise _fail(
            self.spec.spec, f"column {name!r} holds {_describe(feature)}, not a {{language: text}} dict"
        )

    def _plan_pairs(self) -> None:
        spec = self.spec
        if spec.columns:
            for name in spec.columns:
                self._text_column(name)
            self.columns = list(spec.columns)
            ((left, right),) = spec.lang_pairs
            sides = (_Side(0, spec.columns[0]), _Side(1, spec.columns[1]))
            self.pairs.append(_PairPlan(*sides, (normalize_lang(left), normalize_lang(right))))
            return
        keys = self._translation_keys()
        self.columns = [TRANSLATION_COLUMN]
        if spec.lang_pairs:
            chosen = []
            for pair in spec.lang_pairs:
                found = [match_code(code, keys) for code in pair]
                for code, key in zip(pair, found):
                    if key is None:
                        raise _fail(
                            spec.spec,
                            f"the translation column has no language {code!r}; it has: {', '.join(keys)}",
                        )
                chosen.append((found[0], found[1]))
        elif len(keys) == 2:
            for key in keys:
                checked_lang(key, f"input {spec.spec!r} (a translation column key)")
            chosen = [(keys[0], keys[1])]
        else:
            raise _fail(
                spec.spec,
                f"the translation column holds {len(keys)} languages ({', '.join(keys)}); choose pairs with langs=en-fr[,en-de]",
            )
        for left_key, right_key in chosen:
            left, right = normalize_lang(left_key), normalize_lang(right_key)
            sides = (_Side(0, TRANSLATION_COLUMN, left_key), _Side(0, TRANSLATION_COLUMN, right_key))
            self.pairs.append(_PairPlan(*sides, (left, right), f":{left}-{right}"))

    # -- reading --------------------------------------------------------------------------

    @property
    def per_row(self) -> int:
        """Items each row yields (one per language pair; one for sentence sources)."""
        return max(1, len(self.pairs))

    def known_length(self) -> int | None:
        """Items of the whole input when known without reading it (a loaded dataset), else ``None``."""
        if self.spec.streaming:
            return None
        return len(self.dataset) * self.per_row

    def count(self) -> int:
        """Items of the whole input (a streamed dataset is read once, one column only)."""
        known = self.known_length()
        if known is not None:
            return known
        rows = sum(len(batch[self.columns[0]]) for batch in self._batches(self.columns[:1], 0))
        return rows * self.per_row

    def _batches(self, columns: list[str], first_row: int) -> Iterator[dict[str, list]]:
        dataset = self.dataset.select_columns(list(dict.fromkeys(columns)))
        if first_row:
            dataset = dataset.skip(first_row)
        return dataset.iter(batch_size=BATCH_ROWS)

    def _rows(self, first_row: int) -> Iterator[tuple[int, tuple]]:
        row = first_row
        for batch in self._batches(self.columns, first_row):
            for values in zip(*(batch[name] for name in self.columns)):
                yield row, values
                row += 1

    def _score_reason(self, values: tuple) -> str | None:
        if self.spec.score is None:
            return None
        score = values[-1]
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            return f"no score in column {self.spec.score!r}"
        return None if score >= self.spec.min_score else f"score below {self.spec.min_score:g}"

    def items(self, start: int = 0) -> Iterator[ReadItem]:
        """Pairs (or sentences with an empty right side) and rejected rows from item ``start`` on."""
        first_row, skip = divmod(start, self.per_row)
        items = self._pair_items(first_row) if self.pairs else self._sentence_items(first_row)
        for item in items:
            if skip:
                skip -= 1
                continue
            yield item

    def _place(self, row: int) -> str:
        return f"{self.source}[{self.spec.split}]#{row}"

    def _pair_items(self, first_row: int) -> Iterator[ReadItem]:
        for row, values in self._rows(first_row):
            place = self._place(row)
            reason = self._score_reason(values)
            for plan in self.pairs:
                left, right = plan.left.value(values), plan.right.value(values)
                why = reason or plan.left.reason(left) or plan.right.reason(right)
                if why is not None:
                    yield RejectedLine(self.source, place, why)
                    continue
                pair_id = f"{self.source}:{self.spec.split}:{row:08d}{plan.id_suffix}"
                yield pair_or_reject(self.source, place, pair_id, left, right, plan.langs)

    def _sentence_items(self, first_row: int) -> Iterator[ReadItem]:
        lang = normalize_lang(self.spec.lang)
        column = _Side(0, self.columns[0])
        for row, (text, *_) in self._rows(first_row):
            reason = column.reason(text) or (None if clean_text(text) else "empty line")
            if reason is not None:
                yield RejectedLine("roundtrip", self._place(row), reason)
                continue
            pair_id = f"roundtrip:{self.source}:{self.spec.split}:{row:08d}"
            yield SentencePair(pair_id, "roundtrip", clean_text(text), None, lang, lang)

    def texts(self) -> Iterator[str]:
        """The non-empty texts of the column, for word counts."""
        for _, values in self._rows(0):
            if isinstance(values[0], str) and values[0].strip():
                yield values[0]


def _is_number(feature: Any) -> bool:
    dtype = getattr(feature, "dtype", "")
    return dtype.startswith(("int", "uint", "float", "double"))


def _describe(feature: Any) -> str:
    return getattr(feature, "dtype", None) or type(feature).__name__
