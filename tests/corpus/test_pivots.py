"""Pivot positives (``wicdistill.corpus.pivots``, ``wicdistill pivot-positives``)."""

from __future__ import annotations

import json

import pytest

from wicdistill.cli import main as cli_main
from wicdistill.corpus.pivots import pivot_records


def _role(text: str, word: str, lang: str) -> dict:
    start = text.index(word)
    return {"text": text, "start": start, "end": start + len(word), "lang": lang}


def _record(
    pair: str, en: str, en_word: str, fr: str, fr_word: str, negative_word: str, score: float = 0.95
) -> dict:
    negative_text = fr.replace(fr_word, negative_word, 1)
    return {
        "id": f"{pair}/l0",
        "anchor": _role(en, en_word, "en"),
        "positive": _role(fr, fr_word, "fr"),
        "negative": _role(negative_text, negative_word, "fr"),
        "setting": "crosslingual",
        "negative_strategy": "random",
        "positive_source": "bitext",
        "alignment": "mutual_argmax",
        "alignment_score": score,
        "negative_score": 0.1,
        "pair_id": pair,
    }


RECORDS = [
    _record(
        "p1", "We bought a house by the sea.", "house", "Nous avons acheté une maison.", "maison", "pomme"
    ),
    _record("p2", "She went home early.", "home", "Elle est rentrée à la maison tôt.", "maison", "route"),
    _record("p3", "The house was empty.", "house", "La demeure était vide.", "demeure", "chaise"),
    _record("p4", "A house of cards.", "house", "Un château de cartes.", "château", "livre", score=0.5),
    _record("p5", "The garden is green.", "garden", "Le jardin est vert.", "jardin", "ciel"),
]


def _word(role: dict) -> str:
    return role["text"][role["start"] : role["end"]]


def test_two_english_words_aligned_to_one_foreign_form_become_an_english_pivot():
    out = pivot_records(RECORDS, directions=["english"], seed=0)
    assert [(_word(r["anchor"]), _word(r["positive"])) for r in out] == [("house", "home")]
    (record,) = out
    assert (
        record["anchor"]["text"] == "We bought a house by the sea."
        and record["positive"]["text"] == "She went home early."
    )
    assert record["setting"] == "monolingual" and record["positive_source"] == "pivot-english"
    negative = record["negative"]
    # the anchor's sentence with its word replaced by another English anchor word of the corpus
    assert negative["lang"] == "en" and _word(negative).casefold() not in ("house", "home")
    assert negative["text"] == "We bought a " + _word(negative) + " by the sea."
    assert record["alignment"] == "pivot" and record["alignment_score"] == pytest.approx(0.95)


def test_two_foreign_forms_aligned_to_one_english_word_reuse_the_first_records_negative():
    out = pivot_records(RECORDS, directions=["foreign"], seed=0)
    # p4 aligns below 0.9: only maison/demeure pivot through "house"
    assert sorted((_word(r["anchor"]), _word(r["positive"])) for r in out) == [
        ("maison", "demeure")
    ] or sorted((_word(r["anchor"]), _word(r["positive"])) for r in out) == [("demeure", "maison")]
    (record,) = out
    first = next(r for r in RECORDS if r["positive"] == record["anchor"])
    assert record["negative"] == first["negative"] and record["anchor"]["lang"] == "fr"
    assert len(pivot_records(RECORDS, directions=["foreign"], min_alignment_score=0.4)) == 3


def test_pivots_are_deterministic_capped_and_refuse_bad_settings():
    assert json.dumps(pivot_records(RECORDS, seed=3)) == json.dumps(pivot_records(RECORDS, seed=3))
    many = [_record(f"q{i}", f"Word{i} here.", f"Word{i}", "Le mot ici.", "mot", "chat") for i in range(6)]
    assert len(pivot_records(many, directions=["english"], max_per_word=2)) == 2
    assert len(pivot_records(many, directions=["english"], max_per_word=100)) == 15
    with pytest.raises(
        ValueError, match=r"directions must be some of \('english', 'foreign'\), got \['both'\]"
    ):
        pivot_records(RECORDS, directions=["both"])
    with pytest.raises(ValueError, match="max_per_word must be >= 1, got 0"):
        pivot_records(RECORDS, max_per_word=0)


def test_cli_writes_corpus_and_pivots_and_explains_an_empty_result(tmp_path, capsys):
    source = tmp_path / "train.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    out = tmp_path / "with-pivots.jsonl"
    assert cli_main(["pivot-positives", str(tmp_path), "--output", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[: len(RECORDS)] == RECORDS and len(lines) == len(RECORDS) + 2
    assert "2 pivot records (pivot-english 1, pivot-foreign 1) + 5 corpus records" in capsys.readouterr().out
    assert (
        cli_main(["pivot-positives", str(source), "--output", str(out), "--min-alignment-score", "0.99"]) == 1
    )
    assert "no pivot record from" in capsys.readouterr().err
    assert cli_main(["pivot-positives", str(tmp_path / "nope"), "--output", str(out)]) == 1
    assert "is neither a build-corpus folder with train.jsonl nor a .jsonl file" in capsys.readouterr().err
