"""Readers: bad lines are counted with a reason, layouts and language codes are mapped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from wicdistill.corpus.pairs import RejectedLine, SentencePair
from wicdistill.corpus.sources import iterate_sources, parse_source


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _split(items):
    pairs = [i for i in items if isinstance(i, SentencePair)]
    rejected = [i for i in items if isinstance(i, RejectedLine)]
    return pairs, rejected


def test_bad_tsv_lines_are_rejected_with_reasons(tmp_path):
    data = (
        b"good left\tgood right\r\n"
        b"\n"
        b"only left\t\n"
        b"a\tb\tc\n"
        b"bad \xff\xfe bytes\tright\n"
        b"same\tsame\n"
        b"last left\tlast right"
    )
    path = _write(tmp_path / "pairs.tsv", data)
    pairs, rejected = _split(list(iterate_sources([f"tsv:{path}:en-fr"])))
    assert [(p.left, p.right, p.left_lang, p.right_lang) for p in pairs] == [
        ("good left", "good right", "en", "fr"),
        ("last left", "last right", "en", "fr"),
    ]
    assert [(r.location, r.reason) for r in rejected] == [
        ("pairs.tsv:2", "empty line"),
        ("pairs.tsv:3", "one side missing"),
        ("pairs.tsv:4", "wrong column count (3, expected 2)"),
        ("pairs.tsv:5", "undecodable bytes (not UTF-8)"),
        ("pairs.tsv:6", "identical sides"),
    ]
    assert pairs[1].pair_id == "tsv:pairs:000007"


def test_mrpc_bom_crlf_quotes_and_labels(tmp_path):
    data = (
        "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"
        '1\t1\t2\tHe said "no" to the bank.\tHe told the bank "no".\r\n'
        "0\t3\t4\tA different pair.\tNot a paraphrase at all.\r\n"
    ).encode()
    path = _write(tmp_path / "msr-para-train.tsv", data)
    pairs, rejected = _split(list(iterate_sources([f"mrpc:{path}"])))
    assert [(p.source, p.left, p.right) for p in pairs] == [
        ("mrpc", 'He said "no" to the bank.', 'He told the bank "no".')
    ]
    assert [r.reason for r in rejected] == ["label '0' is not '1'"]


def test_aligned_files_with_different_lengths(tmp_path):
    left = _write(tmp_path / "a.en", b"one\r\ntwo\r\nthree\r\n")
    right = _write(tmp_path / "b.fr", b"un\r\ndeux\r\n")
    pairs, rejected = _split(list(iterate_sources([f"files:{left},{right}:eng-fra"])))
    assert [(p.left, p.right, p.right_lang) for p in pairs] == [("one", "un", "fr"), ("two", "deux", "fr")]
    assert [r.reason for r in rejected] == ["one side missing (files have different line counts)"]


def test_tatoeba_ntrex_and_wmt_layouts(tmp_path):
    tat = tmp_path / "tatoeba"
    _write(tat / "tatoeba.cmn-eng.cmn", "我们走吧。\n".encode())
    _write(tat / "tatoeba.cmn-eng.eng", b"Let's go.\n")
    _write(tat / "tatoeba.ara-eng.ara", "مرحبا\n".encode())
    _write(tat / "tatoeba.ara-eng.eng", b"Hello\n")
    ntrex = tmp_path / "ntrex"
    _write(ntrex / "newstest2019-src.eng.txt", b"A cat.\r\nA dog.\r\n")
    _write(ntrex / "newstest2019-ref.zho-CN.txt", "一只猫。\r\n一只狗。\r\n".encode())
    _write(ntrex / "newstest2019-ref.zho-TW.txt", "一隻貓。\r\n一隻狗。\r\n".encode())
    wmt = tmp_path / "wmt21"
    _write(wmt / "sources" / "newstest2021.de-en.src.de", b"Hallo Welt\n")
    _write(wmt / "references" / "newstest2021.de-en.ref.A.en", b"Hello world\n")
    _write(wmt / "references" / "newstest2021.de-en.ref.B.en", b"Hi world\n")
    _write(wmt / "sources" / "newstest2021.en-de.src.en", b"Good morning\n")
    _write(wmt / "references" / "newstest2021.en-de.ref.A.de", b"Guten Morgen\n")

    tatoeba = [i for i in iterate_sources([f"tatoeba:{tat}:zh,ara"])]
    assert [(p.pair_id, p.left, p.right_lang) for p in tatoeba] == [
        ("tatoeba:cmn:000001", "Let's go.", "zh"),
        ("tatoeba:ara:000001", "Hello", "ar"),
    ]
    ntrex_pairs = list(iterate_sources([f"ntrex:{ntrex}:zh"]))
    assert [(p.pair_id, p.right) for p in ntrex_pairs] == [
        ("ntrex128:zho-CN:000001", "一只猫。"),
        ("ntrex128:zho-CN:000002", "一只狗。"),
    ]
    bitext = list(iterate_sources([f"wmt:{wmt}:de"]))
    assert [(p.source, p.left, p.right, p.left_lang, p.right_lang) for p in bitext] == [
        ("wmt21", "Hello world", "Hallo Welt", "en", "de"),
        ("wmt21", "Good morning", "Guten Morgen", "en", "de"),
    ]
    multiref = list(iterate_sources([f"wmt-multiref:{wmt}"]))
    assert [(p.source, p.left, p.right, p.pair_id) for p in multiref] == [
        ("wmt21-multiref", "Hello world", "Hi world", "wmt21-multiref:de-en:000001")
    ]


def test_missing_language_and_bad_specs_name_the_problem(tmp_path):
    _write(tmp_path / "tatoeba.fra-eng.fra", b"x\n")
    _write(tmp_path / "tatoeba.fra-eng.eng", b"y\n")
    with pytest.raises(ValueError, match="no file for language 'ru'.*available codes: fra"):
        list(iterate_sources([f"tatoeba:{tmp_path}:ru"]))
    with pytest.raises(ValueError, match="unknown kind 'csv'"):
        parse_source("csv:x.csv")
    with pytest.raises(ValueError, match="tatoeba needs an argument"):
        parse_source("tatoeba:somewhere")
    with pytest.raises(FileNotFoundError, match="input file not found"):
        list(iterate_sources([f"tsv:{tmp_path / 'nope.tsv'}"]))


def test_bundled_paraphrases_are_small_english_pairs_without_mrpc_test():
    from wicdistill.corpus import bundled_paraphrases_path

    folder = bundled_paraphrases_path()
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1_000_000
    assert (folder / "NOTICE.md").exists()
    items = list(iterate_sources(["bundled"]))
    pairs = [i for i in items if isinstance(i, SentencePair)]
    sources = Counter(p.source for p in pairs)
    assert sources["mrpc"] == 2753 and sources["wmt21-multiref"] == 2974
    assert not any("msr-para-test" in p.pair_id for p in pairs)
    assert all(p.left_lang == p.right_lang == "en" for p in pairs)
