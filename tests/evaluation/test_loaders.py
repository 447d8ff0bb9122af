"""Every loader on small files in the real formats: spans must point at the expected words and
unlocatable targets must be counted and listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from wicdistill.evaluation.loaders import (
    load_am2ico,
    load_cosimlex,
    load_mcl_wic,
    load_scws,
    load_sick,
    load_sts17,
    load_sts_year,
    load_stsb,
    load_translation_pairs,
    load_usim,
    load_wic,
)
from wicdistill.evaluation.loaders.markup import MarkupError, strip_markup
from wicdistill.evaluation.loaders.mcl_wic import languages_of
from wicdistill.evaluation.loaders.text_files import read_lines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eval"


def words(target) -> list[str]:
    return [target.text[start:end] for start, end in target.spans]


def pair_words(pair_set) -> list[tuple]:
    return [(tuple(words(p.first)), tuple(words(p.second))) for p in pair_set.pairs]


def test_wic_token_indices_count_contractions_and_report_bad_indices():
    dev = load_wic(FIXTURES / "wic/dev/dev.data.txt")
    assert dev.n_total == 6
    assert pair_words(dev) == [
        (("bank",), ("bank",)),
        (("play",), ("play",)),  # "I 've seen them play": 've is token 1
        (("bank",), ("bank",)),
        (("water",), ("Water",)),  # the sentence ends in a no-break space
        (("ball",), ("ball",)),
    ]
    assert [p.gold for p in dev.pairs] == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert [(u.id, u.side) for u in dev.unlocatable] == [("dev.data.txt:4", 2)]
    assert "token index 9 out of range: the sentence has 4 tokens" in dev.unlocatable[0].reason


def test_wic_gold_must_match(tmp_path):
    (tmp_path / "x.data.txt").write_text("a\tN\t0-0\ta\ta\nb\tN\t0-0\tb\tb\n")
    (tmp_path / "x.gold.txt").write_text("T\n")
    with pytest.raises(ValueError, match="has 1 labels for the 2 instances"):
        load_wic(tmp_path / "x.data.txt")
    with pytest.raises(FileNotFoundError, match="benchmark file not found"):
        load_wic(tmp_path / "y.data.txt")


def test_mcl_wic_string_offsets():
    zh = load_mcl_wic(FIXTURES / "mcl-wic/dev/multilingual/dev.zh-zh.data")
    assert pair_words(zh) == [
        (("银行",), ("银行",)),
        (("河",), ("河",)),
        (("银行",), ("银行",)),
        (("喜欢",), ("喜欢",)),
    ]
    assert [p.gold for p in zh.pairs] == [1.0, 1.0, 0.0, 0.0]
    assert zh.unlocatable == []


def test_mcl_wic_ranges_multi_piece_targets_and_bom_ids():
    test = load_mcl_wic(FIXTURES / "mcl-wic/test/crosslingual/test.en-zh.data")
    assert languages_of(FIXTURES / "mcl-wic/test/crosslingual/test.en-zh.data") == ("en", "zh")
    assert test.n_total == 4
    assert pair_words(test) == [
        (("take", "off"), ("喜欢",)),  # "0-5,57-64"-style ranges: one target in two pieces
        (("bank",), ("银行",)),
        (("river",), ("河",)),
    ]
    # the gold id "\ufefftest.en-zh.0" still matches its record
    assert test.pairs[0].gold == 0.0
    assert [(u.id, u.side) for u in test.unlocatable] == [("test.en-zh.2", 2)]
    assert "outside the text of length 5" in test.unlocatable[0].reason


def test_mcl_wic_trims_whitespace_inside_a_span(tmp_path):
    data = '[{"id": "a", "sentence1": "x 尚 y", "sentence2": "尚 z", "start1": 2, "end1": 4, "start2": "0", "end2": "1"}]'
    (tmp_path / "trial.en-zh.data").write_text(data, encoding="utf-8")
    (tmp_path / "trial.en-zh.gold").write_text('[{"id": "a", "tag": "T"}]')
    pairs = load_mcl_wic(tmp_path / "trial.en-zh.data")
    assert pair_words(pairs) == [(("尚",), ("尚",))]
    assert pairs.pairs[0].first.spans == ((2, 3),)


def test_am2ico_markup_whitespace_and_unsegmented_chinese():
    zh = load_am2ico(FIXTURES / "am2ico/zh/dev.tsv")
    assert zh.n_total == 6
    assert pair_words(zh) == [
        (("坎特伯雷大学",), ("Canterbury",)),
        (("炸彈",), ("Bomb",)),
        (("ポート",), ("port",)),
        (("银行",), ("bank",)),
        (("河",), ("bank",)),
    ]
    texts = [p.first.text for p in zh.pairs]
    assert texts[0] == "1937年，他在新西兰基督城的坎特伯雷大学任哲学讲师。"  # no spaces left inside Chinese
    assert texts[1] == "炸彈；中国参战后，美軍反對。"  # tag at the very start
    assert texts[2] == "他通过UDPポート177连接。"
    assert zh.pairs[0].second.text == "The universities of Auckland , Canterbury , Massey and Otago ."
    assert zh.pairs[3].second.text == "He went to the bank"  # tag at the very end
    assert [(u.id, u.side) for u in zh.unlocatable] == [("zh/dev.tsv:6", 1)]
    assert "expected one <word> tag, found 2" in zh.unlocatable[0].reason


def test_am2ico_spaced_language_keeps_single_spaces():
    de = load_am2ico(FIXTURES / "am2ico/de/dev.tsv")
    assert pair_words(de) == [
        (("Eisen",), ("Fe",)),
        (("Offizier",), ("mate",)),
        (("Wasser",), ("water",)),
        (("Bank",), ("bank",)),
    ]
    assert de.pairs[0].first.text == "Im gesamten Gebirgszug kommen Eisen und Magnesium vor ."
    assert de.pairs[1].first.text == "Sie befahl die Offizier e eines Regiments ."
    assert [p.gold for p in de.pairs] == [1.0, 0.0, 1.0, 0.0]


def test_strip_markup_rules():
    assert strip_markup("a  <w> b </w>  c", "w") == ("a b c", [(2, 3)])
    assert strip_markup("the <w>dog</w>.", "w") == ("the dog.", [(4, 7)])  # no space where none was
    assert strip_markup("<w>x</w> and <w>y</w>", "w") == ("x and y", [(0, 1), (6, 7)])
    with pytest.raises(MarkupError, match="without </w>"):
        strip_markup("a <w>b", "w")
    with pytest.raises(MarkupError, match="empty"):
        strip_markup("a <w> </w> b", "w")


def test_scws_and_usim_two_lines_per_pair():
    scws = load_scws(FIXTURES / "scws/scws.txt")
    assert scws.n_total == 4
    assert pair_words(scws) == [(("bank",), ("river",)), (("bank",), ("bank",)), (("plant",), ("play",))]
    assert [p.gold for p in scws.pairs] == [3.5, 8.0, 1.0]
    assert [(u.id, u.side) for u in scws.unlocatable] == [("scws.txt:3", 1)]
    usim = load_usim(FIXTURES / "usim/usim.txt")
    assert pair_words(usim) == [(("bank",), ("bank",))] * 3
    assert usim.unlocatable == []


def test_scws_rejects_odd_line_counts_and_rating_mismatch(tmp_path):
    (tmp_path / "odd.txt").write_text("a b\t0\t1.0\n")
    with pytest.raises(ValueError, match="even number of lines"):
        load_scws(tmp_path / "odd.txt")
    (tmp_path / "mismatch.txt").write_text("a b\t0\t1.0\nc d\t1\t2.0\n")
    with pytest.raises(ValueError, match="different ratings 1.0 and 2.0"):
        load_scws(tmp_path / "mismatch.txt")


def test_cosimlex_strong_markup_inflections_and_quoting():
    data = load_cosimlex(FIXTURES / "cosimlex/cosimlex_en.csv")
    assert data.n_total == 4
    got = [
        (words(i.first.first), words(i.first.second), words(i.second.first), words(i.second.second))
        for i in data.items
    ]
    assert got == [
        (["absence"], ["presence"], ["absence"], ["presence"]),
        (["running"], ["walking"], ["ran"], ["walked"]),
        (["dog"], ["cat"], ["dog"], ["cat"]),
    ]
    first = data.items[0].first
    assert first.first.text.endswith("is almost absence.")  # no space inserted before the full stop
    assert data.items[2].first.first.text.startswith('He said "hi" to the dog')  # pandas-style quoting
    assert [(i.first.gold, i.second.gold) for i in data.items] == [(2.27, 1.37), (5.1, 2.4), (6.0, 6.5)]
    assert [(u.id, u.side) for u in data.unlocatable] == [("cosimlex_en.csv:3:2", 2)]
    assert "expected two <strong> tags, found 1" in data.unlocatable[0].reason


def test_sts_year_folder_skips_empty_gold_and_missing_inputs():
    year = load_sts_year(FIXTURES / "sts12-16/STS15/test")
    assert [p.id for p in year.pairs] == [
        "headlines:1",
        "headlines:2",
        "headlines:3",
        "images:1",
        "images:2",
        "images:4",
        "images:5",
    ]
    assert year.n_unscored == 1
    assert any("STS.gs.SMT.txt: no input file" in note for note in year.notes)
    images = {p.id: p for p in year.pairs}
    assert images["images:4"].first == "Two kids play\u2028in the water."  # U+2028 is not a line break
    assert images["images:4"].gold == 4.2


def test_stsb_sick_and_quotes():
    stsb = load_stsb(FIXTURES / "stsbenchmark/stsbenchmark/sts-dev.csv")
    assert [(p.first, p.gold) for p in stsb.pairs][1] == ('She said "no" to the bank.', 1.2)
    assert stsb.pairs[2].second == "A dog runs fast."  # 9-field line: licence columns ignored
    assert len(stsb.pairs) == 4
    sick = load_sick(FIXTURES / "sick/SICK_test_annotated.txt")
    assert [p.gold for p in sick.pairs] == [3.3, 3.7, 4.6, 1.0]
    assert not any("\r" in p.second for p in sick.pairs)


def test_sts17_column_order_and_extra_input_lines():
    inputs, gold = FIXTURES / "sts17/STS2017.eval.v1.1", FIXTURES / "sts17/STS2017.gs"
    ar = load_sts17(inputs / "STS.input.track2.ar-en.txt", gold / "STS.gs.track2.ar-en.txt", ("ar", "en"))
    assert ar.pairs[0].first == "two men are crying" and ar.pairs[0].languages == ("en", "ar")
    es = load_sts17(inputs / "STS.input.track4a.es-en.txt", gold / "STS.gs.track4a.es-en.txt", ("es", "en"))
    assert [p.first for p in es.pairs] == [
        "A women giving something to other lady.",
        "Kids are dancing.",
        "A skier skiing.",
    ]
    assert "3 of 3 pairs had English in column 2" in es.notes[-1]
    tr = load_sts17(inputs / "STS.input.track6.tr-en.txt", gold / "STS.gs.track6.tr-en.txt", ("tr", "en"))
    assert len(tr.pairs) == 3 and tr.n_unscored == 3
    assert [p.gold for p in tr.pairs] == [5.0, 2.4, 3.8]
    assert tr.pairs[2].first == "Child bicycle race"


def test_translation_pairs_from_corpus_records():
    pairs = load_translation_pairs(FIXTURES / "corpus/heldout.jsonl")
    assert sorted(pairs) == ["de", "zh"]
    assert pair_words(pairs["zh"]) == [(("bank",), ("银行",)), (("river",), ("河",))]
    assert pairs["zh"].n_total == 3
    assert [(u.id, u.side) for u in pairs["zh"].unlocatable] == [("r4", 1)]
    assert pair_words(pairs["de"]) == [(("water",), ("Wasser",))]


def test_read_lines_strips_crlf_and_bom(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes("\ufeffa\r\nb\r\n\r\n".encode())
    assert read_lines(path) == ["a", "b", ""]
