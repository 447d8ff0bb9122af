"""hf: inputs: Hugging Face datasets read through ``datasets.load_dataset`` on local files the tests
write (parquet, jsonl, a folder of data files), never fetched from the Hub."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures.corpus.tiny_corpus import (
    BITEXT_FR,
    PARAPHRASES,
    config,
    tiny_encoder,
    unigram_tokenizer,
    wordpiece_tokenizer,
)

from wicdistill.corpus import CorpusConfig, build_corpus
from wicdistill.corpus.hub_datasets import parse_hub_spec
from wicdistill.corpus.pairs import RejectedLine, SentencePair
from wicdistill.corpus.sources import iterate_sources, parse_source, vocabulary_texts


@pytest.fixture(autouse=True)
def _datasets_cache_in_tmp(tmp_path, monkeypatch):
    """Loaded (non-streamed) datasets write an Arrow cache: keep it out of the user's cache."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))


def _parquet(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _summary(items) -> list[tuple]:
    return [
        (i.pair_id, i.left, i.right, i.left_lang, i.right_lang)
        if isinstance(i, SentencePair)
        else (i.location, i.reason)
        for i in items
    ]


TRANSLATION_ROWS = [
    {"translation": {"en": "The bank raised its rates.", "fr": "La banque a relevé ses taux."}},
    {"translation": {"en": "A cat sleeps.", "fr": None}},
    {"translation": {"en": "  ", "fr": "Rien."}},
    {"translation": {"en": "Same.", "fr": "Same."}},
    {"translation": {"en": "The  river\tbank.", "fr": "La rive."}},
]


def test_translation_column_gives_pairs_and_rejects_bad_rows(tmp_path):
    folder = tmp_path / "opus"
    _parquet(folder / "train.parquet", TRANSLATION_ROWS)
    items = list(iterate_sources([f"hf:{folder}"]))
    assert _summary(items) == [
        (
            "hf:opus:train:00000000:en-fr",
            "The bank raised its rates.",
            "La banque a relevé ses taux.",
            "en",
            "fr",
        ),
        ("hf:opus[train]#1", "missing language 'fr'"),
        ("hf:opus[train]#2", "one side missing"),
        ("hf:opus[train]#3", "identical sides"),
        ("hf:opus:train:00000004:en-fr", "The river bank.", "La rive.", "en", "fr"),
    ]
    assert {i.source for i in items} == {"hf:opus"}


def test_two_named_columns_with_their_languages(tmp_path):
    rows = [
        {"src": "Good morning.", "tgt": "Guten Morgen.", "id": 1},
        {"src": "Good night.", "tgt": None, "id": 2},
        {"src": "Thanks.", "tgt": "Danke.", "id": 3},
    ]
    path = _jsonl(tmp_path / "pairs.jsonl", rows)
    items = list(iterate_sources([f"hf:{path}?columns=src,tgt&langs=en-deu"]))
    assert _summary(items) == [
        ("hf:pairs.jsonl:train:00000000", "Good morning.", "Guten Morgen.", "en", "de"),
        ("hf:pairs.jsonl[train]#1", "no text in column 'tgt'"),
        ("hf:pairs.jsonl:train:00000002", "Thanks.", "Danke.", "en", "de"),
    ]
    paraphrases = list(iterate_sources([f"hf:{path}?columns=tgt,src"]))
    assert (paraphrases[0].left, paraphrases[0].left_lang, paraphrases[0].right_lang) == (
        "Guten Morgen.",
        "en",
        "en",
    )


def test_score_threshold_keeps_rows_at_or_above_it(tmp_path):
    rows = [
        {"english": f"Sentence number {i}.", "non_english": f"Phrase numéro {i}.", "margin": score}
        for i, score in enumerate([1.2, 1.05, 1.06, None, 1.0599])
    ]
    path = _parquet(tmp_path / "wikimatrix.parquet", rows)
    spec = f"hf:{path}?columns=english,non_english&langs=en-fr&score=margin&min_score=1.06"
    items = list(iterate_sources([spec]))
    assert [i.pair_id for i in items if isinstance(i, SentencePair)] == [
        "hf:wikimatrix.parquet:train:00000000",
        "hf:wikimatrix.parquet:train:00000002",
    ]
    assert [(i.location, i.reason) for i in items if isinstance(i, RejectedLine)] == [
        ("hf:wikimatrix.parquet[train]#1", "score below 1.06"),
        ("hf:wikimatrix.parquet[train]#3", "no score in column 'margin'"),
        ("hf:wikimatrix.parquet[train]#4", "score below 1.06"),
    ]


MULTIWAY = [
    {"translation": {"en": f"Hello {i}.", "fra": f"Bonjour {i}.", "zho_CN": f"你好{i}。"}} for i in range(3)
]


def test_language_filter_takes_the_chosen_pairs_of_a_multiway_dict(tmp_path):
    path = _parquet(tmp_path / "multi.parquet", MULTIWAY)
    items = list(iterate_sources([f"hf:{path}?langs=en-fr,zh-en"]))
    assert _summary(items)[:2] == [
        ("hf:multi.parquet:train:00000000:en-fr", "Hello 0.", "Bonjour 0.", "en", "fr"),
        ("hf:multi.parquet:train:00000000:zh-en", "你好0。", "Hello 0.", "zh", "en"),
    ]
    assert len(items) == 6
    with pytest.raises(
        ValueError, match=re.escape("the translation column has no language 'de'; it has: en, fra, zho_CN")
    ):
        list(iterate_sources([f"hf:{path}?langs=en-de"]))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "the translation column holds 3 languages (en, fra, zho_CN); choose pairs with langs=en-fr[,en-de]"
        ),
    ):
        list(iterate_sources([f"hf:{path}"]))


@pytest.mark.parametrize("layout", ["parquet-file", "jsonl-file", "folder"])
def test_streaming_and_loaded_give_the_same_items(tmp_path, layout):
    rows = TRANSLATION_ROWS * 3
    if layout == "parquet-file":
        spec = f"hf:{_parquet(tmp_path / 'bitext.parquet', rows)}"
    elif layout == "jsonl-file":
        spec = f"hf:{_jsonl(tmp_path / 'bitext.jsonl', rows)}"
    else:
        _parquet(tmp_path / "bitext" / "data" / "train-00000-of-00002.parquet", rows[:7])
        _parquet(tmp_path / "bitext" / "data" / "train-00001-of-00002.parquet", rows[7:])
        spec = f"hf:{tmp_path / 'bitext'}"
    assert parse_hub_spec(spec).streaming is False  # local data is loaded by default
    loaded = list(iterate_sources([spec]))
    streamed = list(iterate_sources([spec + "?streaming=1"]))
    assert len(loaded) == len(rows) and streamed == loaded
    assert parse_hub_spec("hf:Helsinki-NLP/opus-100:en-fr").streaming is True  # Hub ids stream


@pytest.mark.parametrize("streaming", ["0", "1"])
def test_resume_from_position_n_is_the_tail(tmp_path, streaming):
    multi = f"hf:{_parquet(tmp_path / 'multi.parquet', MULTIWAY)}?langs=en-fr,en-zh&streaming={streaming}"
    opus = f"hf:{_parquet(tmp_path / 'opus' / 'train.parquet', TRANSLATION_ROWS)}?streaming={streaming}"
    specs = [multi, f"tsv:{PARAPHRASES}:en-en", opus, multi]
    everything = list(iterate_sources(specs))
    assert len(everything) == 6 + 12 + 5 + 6
    for start in [0, 1, 3, 5, 6, 7, 17, 18, 19, 22, 23, 24, 28, 29, 40]:
        assert list(iterate_sources(specs, start=start)) == everything[start:], start


def test_spec_mistakes_are_one_line_errors(tmp_path):
    data = _parquet(tmp_path / "d.parquet", TRANSLATION_ROWS)
    cases = {
        f"hf:{data}?colums=a,b": "unknown option 'colums' (did you mean 'columns'?); valid options: "
        "columns, langs, min_score, score, streaming",
        f"hf:{data}?columns=a": "columns names two different text columns, e.g. columns=sentence1,sentence2; got 'a'",
        f"hf:{data}?streaming=yes": "streaming must be 0 or 1, got 'yes'",
        f"hf:{data}?streaming=1&streaming=0": "option 'streaming' is given twice",
        f"hf:{data}?langs=": "option 'langs' needs a value (langs=...)",
        f"hf:{data}?langs=en": "langs takes language pairs such as langs=en-fr (a region after '_': zho_CN), got 'en'",
        f"hf:{data}?langs=en-qq": "unknown language code 'qq'",
        f"hf:{data}?langs=en-eng": "a translation pair needs two languages, got 'en-eng'",
        f"hf:{data}?columns=a,b&langs=en-fr,en-de": "with columns=, langs names the two columns' languages "
        "(one pair, e.g. en-fr), got 'en-fr,en-de'",
        f"hf:{data}?score=margin": "score=COLUMN and min_score=NUMBER go together (keep rows whose score >= min_score)",
        f"hf:{data}?score=m&min_score=high": "min_score must be a number, e.g. min_score=1.06; got 'high'",
        f"hf:{data}?": "nothing after '?'; options: columns, langs, min_score, score, streaming",
        f"hf:{data}:cfg": f"a data file has no CONFIG; write hf:{data}[::SPLIT]",
        "hf:a:b:c:d": "expected hf:NAME_OR_PATH[:CONFIG][:SPLIT][?OPTION=VALUE&...]",
        f"hf:{tmp_path / 'notes.txt'}": f"no such file or folder '{tmp_path / 'notes.txt'}'",
    }
    (tmp_path / "notes.md").write_text("x")
    cases[f"hf:{tmp_path / 'notes.md'}"] = f"'{tmp_path / 'notes.md'}' is not a data file datasets reads"
    for spec, message in cases.items():
        with pytest.raises((ValueError, FileNotFoundError)) as error:
            parse_source(spec)
        assert message in str(error.value) and str(error.value).startswith(f"input {spec!r}"), spec
        assert "\n" not in str(error.value)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "unknown option 'langs' (did you mean 'lang'?); valid options: column, lang, streaming"
        ),
    ):
        parse_source(f"roundtrip:hf:{data}?langs=en-fr")
    with pytest.raises(ValueError, match="unknown option 'colums'"):
        CorpusConfig([f"hf:{data}?colums=a,b"])


def test_dataset_mistakes_name_the_columns_it_has(tmp_path):
    rows = [{"sentence1": "One.", "sentence2": "Two.", "label": 1, "margin": "high"}]
    path = _parquet(tmp_path / "glue.parquet", rows)
    cases = {
        "": "no 'translation' column; name two text columns with columns=SRC,TGT "
        "(the dataset has: sentence1, sentence2, label, margin)",
        "?columns=sentence1,sentence3": "no column 'sentence3'; the dataset has: sentence1, sentence2, label, margin",
        "?columns=sentence1,label": "column 'label' holds int64, not text",
        "?columns=sentence1,sentence2&score=margin&min_score=1": "score column 'margin' holds string, not numbers",
    }
    for options, message in cases.items():
        with pytest.raises(ValueError) as error:
            list(iterate_sources([f"hf:{path}{options}"]))
        assert str(error.value) == f"input {f'hf:{path}{options}'!r}: {message}"
    with pytest.raises(ValueError, match=r"datasets.load_dataset failed: Unknown split \"test\""):
        list(iterate_sources([f"hf:{path}::test"]))


def test_roundtrip_and_vocabulary_read_hf_text_columns(tmp_path):
    rows = [{"sentence": "Le chat dort.", "n": 1}, {"sentence": " ", "n": 2}, {"sentence": None, "n": 3}]
    path = _jsonl(tmp_path / "wiki.jsonl", rows)
    items = list(iterate_sources([f"roundtrip:hf:{path}?column=sentence&lang=fra"]))
    assert _summary(items) == [
        ("roundtrip:hf:wiki.jsonl:train:00000000", "Le chat dort.", None, "fr", "fr"),
        ("hf:wiki.jsonl[train]#1", "empty line"),
        ("hf:wiki.jsonl[train]#2", "no text in column 'sentence'"),
    ]
    assert items[0].source == "roundtrip"
    assert list(vocabulary_texts(f"hf:{path}?column=sentence")) == ["Le chat dort."]
    lines = tmp_path / "lines.txt"
    lines.write_text("one\n\ntwo\n", encoding="utf-8")
    assert list(vocabulary_texts(str(lines))) == ["one", "two"]
    with pytest.raises(ValueError, match="no column 'text'; the dataset has: sentence, n"):
        list(vocabulary_texts(f"hf:{path}"))


def _bitext_rows() -> list[dict]:
    rows = []
    for line in BITEXT_FR.read_text(encoding="utf-8").splitlines():
        en, fr = line.split("\t")
        rows.append({"translation": {"en": en, "fr": fr}, "laser": 1.2})
    rows.insert(2, {"translation": {"en": "Orphan sentence.", "fr": None}, "laser": 1.2})
    return rows


def test_build_corpus_from_an_hf_input_loaded_or_streamed(tmp_path):
    rows = _bitext_rows()
    _parquet(tmp_path / "parquet" / "bitext" / "train.parquet", rows)
    _jsonl(tmp_path / "jsonl" / "bitext" / "train.jsonl", rows)
    tokenizer = unigram_tokenizer()
    built = []
    for spec in (f"hf:{tmp_path / 'parquet' / 'bitext'}", f"hf:{tmp_path / 'jsonl' / 'bitext'}?streaming=1"):
        out = tmp_path / f"out-{len(built)}"
        stats = build_corpus(
            config([spec], negative_strategy="random"),
            out,
            encoder=tiny_encoder(tokenizer),
            tokenizer=tokenizer,
        )
        assert stats["inputs"]["pairs"] == len(rows) - 1
        assert stats["inputs"]["dropped"] == {"missing language 'fr'": 1}
        assert stats["inputs_by_source"] == {"hf:bitext": len(rows) - 1}
        built.append((out / "train.jsonl").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in built[0].splitlines()]
    assert records and built[0] == built[1]
    assert {r["setting"] for r in records} == {"crosslingual"} and {
        r["positive_source"] for r in records
    } == {"hf:bitext"}
    assert all(re.fullmatch(r"hf:bitext:train:\d{8}:en-fr", r["pair_id"]) for r in records)


class _SwapTranslator:
    """Stands in for two translation models: swaps two words, as a paraphrase would."""

    def to(self, device):  # the builder moves its translator to the build's device
        return self

    def paraphrase(self, texts):
        return [t.replace("quietly", "silently").replace("children", "kids") for t in texts]


def test_build_corpus_round_trips_an_hf_sentence_column(tmp_path):
    lines = [line.split("\t")[0] for line in PARAPHRASES.read_text(encoding="utf-8").splitlines()]
    path = _parquet(tmp_path / "sentences.parquet", [{"text": line} for line in lines])
    tokenizer = wordpiece_tokenizer()
    stats = build_corpus(
        config([f"roundtrip:hf:{path}"], negative_strategy="random", translation_models=("fwd", "bwd")),
        tmp_path / "out",
        encoder=tiny_encoder(tokenizer),
        tokenizer=tokenizer,
        translator=_SwapTranslator(),
    )
    changed = sum("quietly" in line or "children" in line for line in lines)
    assert changed and stats["roundtrip"]["paraphrases"] == changed
    records = [json.loads(line) for line in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    assert records and all(r["pair_id"].startswith("roundtrip:hf:sentences.parquet:train:") for r in records)


def test_vocabulary_texts_from_an_hf_column_count_like_the_same_lines_in_a_file(tmp_path):
    from wicdistill.corpus.builder import CorpusBuilder

    lines = [f"The {word} river bank was quiet after the rain." for word in ("muddy", "wide", "old", "")]
    text_file = tmp_path / "wiki.txt"
    text_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _parquet(tmp_path / "wiki.parquet", [{"sentence": line or None} for line in lines])
    _parquet(tmp_path / "bitext" / "train.parquet", _bitext_rows())
    tokenizer = unigram_tokenizer()
    counted = []
    for vocab in (f"en:{text_file}", f"en:hf:{tmp_path / 'wiki.parquet'}?column=sentence", None):
        settings = {"vocab_texts": [vocab]} if vocab else {}
        builder = CorpusBuilder(
            config([f"hf:{tmp_path / 'bitext'}"], negative_strategy="random", **settings),
            encoder=tiny_encoder(tokenizer),
            tokenizer=tokenizer,
        )
        builder.build_vocabularies(None)
        counted.append(builder.vocabularies["en"].to_state())
    assert counted[0] == counted[1] != counted[2]
    with pytest.raises(ValueError, match="colum"):
        config(
            [f"hf:{tmp_path / 'bitext'}"], vocab_texts=[f"en:hf:{tmp_path / 'wiki.parquet'}?colum=sentence"]
        )
