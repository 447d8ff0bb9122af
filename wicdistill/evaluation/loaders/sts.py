"""Sentence-pair similarity sets: SemEval STS 2012–2016, STS-B, SICK-R and STS 2017.

All are tab-separated and contain quote characters, so fields are split on tabs only (no CSV
quoting). Quirks handled here: gold lines left empty for unannotated pairs (2015, 2016), inputs
whose gold file is missing (2013 SMT), STS-B rows with extra licence columns, SICK's header and
CRLF endings, STS17 tr-en with 500 input lines for 250 gold scores, and STS17 crosslingual files
whose English column changes from file to file (each pair is put in (English, other) order).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..pairs import SentencePair, SentencePairSet
from .text_files import read_lines

_GOLD_NAME = re.compile(r"^(?P<prefix>.*?)\.gs\.(?P<name>.+)\.txt$")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_ENGLISH_WORDS = frozenset(
    "the an is are was were of to and in on with his her their its this that there these those "
    "i you we they he she it not be been have has had how what who or until first our your my "
    "will would said but can do does did man woman men women people dog boy girl playing by for "
    "at as from".split()
)
_FOREIGN_WORDS = frozenset(
    "el la los las un una unos del que y en por con es está están se su sus al lo para como pero "
    "más muy ha hay bir ve bu ile için çok daha olan gibi".split()
)
_FOREIGN_LETTERS = frozenset("ñáéíóú¿¡çğışöâÇĞİŞÖ")
_WORD = re.compile(r"\w+")


def load_sts_file(
    input_path: str | os.PathLike,
    gold_path: str | os.PathLike,
    subset: str = "",
    languages: tuple[str, str] = ("en", "en"),
) -> SentencePairSet:
    """One ``sentence1<TAB>sentence2[<TAB>…]`` input file and its one-score-per-line gold file.

    Empty gold lines and input lines past the end of the gold file are unscored pairs (counted,
    not scored).
    """
    inputs = read_lines(input_path)
    gold = read_lines(gold_path)
    if len(gold) > len(inputs):
        raise ValueError(
            f"{gold_path} has {len(gold)} scores for only {len(inputs)} input lines in {input_path}"
        )
    result = SentencePairSet(source=str(input_path))
    if len(inputs) > len(gold):
        result.notes.append(
            f"{Path(input_path).name}: {len(inputs)} input lines, {len(gold)} gold lines; "
            f"the first {len(gold)} are scored"
        )
        result.n_unscored += len(inputs) - len(gold)
    for number, (line, score) in enumerate(zip(inputs, gold), start=1):
        if not score.strip():
            result.n_unscored += 1
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(
                f"{input_path} line {number}: expected two tab-separated sentences, got {line[:80]!r}"
            )
        try:
            value = float(score)
        except ValueError:
            raise ValueError(f"{gold_path} line {number}: score {score!r} is not a number") from None
        pair_id = f"{subset or Path(input_path).name}:{number}"
        result.pairs.append(SentencePair(pair_id, fields[0], fields[1], value, subset, languages))
    return result


def load_sts_year(folder: str | os.PathLike) -> SentencePairSet:
    """All sub-sets of one SemEval STS year folder (``STS.input.X.txt`` + ``STS.gs.X.txt``).

    A gold file without its input (2013 SMT, not redistributable) is noted and left out.
    """
    folder = Path(folder)
    gold_files = sorted(p for p in folder.glob("*.gs.*.txt") if not p.name.endswith(".gs.ALL.txt"))
    if not gold_files:
        raise FileNotFoundError(f"no STS gold files (*.gs.*.txt) in {folder}")
    result = SentencePairSet(source=str(folder))
    for gold_path in gold_files:
        match = _GOLD_NAME.match(gold_path.name)
        name = match.group("name")
        input_path = folder / f"{match.group('prefix')}.input.{name}.txt"
        if not input_path.is_file():
            result.notes.append(f"{gold_path.name}: no input file {input_path.name}; sub-set left out")
            continue
        part = load_sts_file(input_path, gold_path, subset=name)
        result.pairs.extend(part.pairs)
        result.n_unscored += part.n_unscored
        result.notes.extend(part.notes)
    return result


def load_stsb(path: str | os.PathLike) -> SentencePairSet:
    """STS Benchmark: ``genre, file, year, id, score, sentence1, sentence2[, licence fields]``."""
    result = SentencePairSet(source=str(path))
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) < 7:
            raise ValueError(
                f"{path} line {number}: expected at least 7 tab-separated fields, got {len(fields)}"
            )
        try:
            score = float(fields[4])
        except ValueError:
            raise ValueError(f"{path} line {number}: score {fields[4]!r} is not a number") from None
        result.pairs.append(
            SentencePair(f"{Path(path).name}:{number}", fields[5], fields[6], score, fields[1])
        )
    return result


def load_sick(path: str | os.PathLike) -> SentencePairSet:
    """SICK with its header; gold = ``relatedness_score`` (1–5)."""
    lines = read_lines(path)
    header = lines[0].split("\t") if lines else []
    needed = ("pair_ID", "sentence_A", "sentence_B", "relatedness_score")
    if any(name not in header for name in needed):
        raise ValueError(f"{path}: expected a header with {list(needed)}, got {header}")
    column = {name: header.index(name) for name in needed}
    result = SentencePairSet(source=str(path))
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) < len(header):
            raise ValueError(f"{path} line {number}: expected {len(header)} fields, got {len(fields)}")
        result.pairs.append(
            SentencePair(
                f"sick:{fields[column['pair_ID']]}",
                fields[column["sentence_A"]],
                fields[column["sentence_B"]],
                float(fields[column["relatedness_score"]]),
                "SICK",
            )
        )
    return result


def english_score(sentence: str) -> int:
    """English function words minus Spanish/Turkish function words and letters (a rough cue,
    enough to tell the English side of a translation pair)."""
    words = [w.lower() for w in _WORD.findall(sentence)]
    english = sum(w in _ENGLISH_WORDS for w in words)
    foreign = sum(w in _FOREIGN_WORDS for w in words) + sum(c in _FOREIGN_LETTERS for c in sentence)
    return english - foreign


def english_side(first: str, second: str) -> int:
    """1 or 2: which sentence of a crosslingual pair is the English one; 0 when undecided."""
    arabic = (bool(_ARABIC.search(first)), bool(_ARABIC.search(second)))
    if arabic[0] != arabic[1]:
        return 2 if arabic[0] else 1
    first_score, second_score = english_score(first), english_score(second)
    return 0 if first_score == second_score else (1 if first_score > second_score else 2)


def load_sts17(
    input_path: str | os.PathLike, gold_path: str | os.PathLike, languages: tuple[str, str]
) -> SentencePairSet:
    """One STS 2017 track. For a crosslingual track (``languages`` like ``("ar", "en")``) every
    pair is reordered to (English, other language); ``notes`` tell how many were swapped.
    Undecided pairs follow the file's majority order."""
    result = load_sts_file(
        input_path, gold_path, subset=f"{languages[0]}-{languages[1]}", languages=languages
    )
    if languages[0] == languages[1]:
        return result
    other = languages[0] if languages[1] == "en" else languages[1]
    if "en" not in languages:
        raise ValueError(f"crosslingual STS17 tracks pair English with another language, got {languages}")
    sides = [english_side(pair.first, pair.second) for pair in result.pairs]
    majority = 2 if sides.count(2) > sides.count(1) else 1
    swapped = 0
    ordered = []
    for pair, side in zip(result.pairs, sides):
        if (side or majority) == 2:
            swapped += 1
            pair = SentencePair(pair.id, pair.second, pair.first, pair.gold, pair.subset)
        ordered.append(SentencePair(pair.id, pair.first, pair.second, pair.gold, pair.subset, ("en", other)))
    result.pairs = ordered
    result.notes.append(f"{swapped} of {len(ordered)} pairs had English in column 2 and were reordered")
    return result
