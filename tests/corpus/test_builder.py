"""End-to-end builds with tiny models: records, settings, stats, resume, determinism, held-out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.corpus.tiny_corpus import (
    BITEXT_FR,
    BITEXT_ZH,
    PARAPHRASES,
    config,
    tiny_encoder,
    tiny_masked_lm,
    unigram_tokenizer,
    wordpiece_tokenizer,
)

from wicdistill.corpus import build_corpus, load_corpus
from wicdistill.corpus.builder import CorpusBuilder
from wicdistill.corpus.words import segment_words
from wicdistill.corpus.writer import ShardWriter

MONO = [f"tsv:{PARAPHRASES}:en-en"]
CROSS = [f"tsv:{BITEXT_FR}:en-fr", f"tsv:{BITEXT_ZH}:en-zh"]


def _build(tmp: Path, inputs, family="bert", **overrides):
    tokenizer = wordpiece_tokenizer() if family == "bert" else unigram_tokenizer()
    extra = {}
    if overrides.get("negative_strategy") == "mlm":
        extra["masked_lm"] = (tiny_masked_lm(tokenizer), tokenizer)
    stats = build_corpus(
        config(inputs, **overrides), tmp, encoder=tiny_encoder(tokenizer), tokenizer=tokenizer, **extra
    )
    return stats, [
        json.loads(line) for line in (tmp / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def _check_negative_is_host_with_one_word_changed(record):
    host = record["anchor"] if record["setting"] == "monolingual" else record["positive"]
    negative = record["negative"]
    assert negative["lang"] == host["lang"]
    assert negative["text"][: negative["start"]] == host["text"][: host["start"]]
    assert negative["text"][negative["end"] :] == host["text"][host["end"] :]
    assert (
        negative["text"][negative["start"] : negative["end"]].casefold()
        != host["text"][host["start"] : host["end"]].casefold()
    )


@pytest.mark.parametrize(
    "inputs, family, strategy",
    [(MONO, "bert", "random"), (MONO, "bert", "embedding"), (MONO, "bert", "mlm"),
     (CROSS, "xlmr", "random"), (CROSS, "xlmr", "embedding")],
)  # fmt: skip
def test_every_record_slices_to_its_words(tmp_path, inputs, family, strategy):
    stats, records = _build(tmp_path, inputs, family, negative_strategy=strategy)
    assert len(records) >= 10
    crosslingual = inputs is CROSS
    for record in records:
        for role in ("anchor", "positive", "negative"):
            element = record[role]
            word = element["text"][element["start"] : element["end"]]
            spans = [(w.start, w.end) for w in segment_words(element["text"])]
            assert word and word == word.strip()
            assert element["start"] in {s for s, _ in spans} and element["end"] in {e for _, e in spans}
        assert record["setting"] == ("crosslingual" if crosslingual else "monolingual")
        assert record["negative_strategy"] == strategy
        assert record["anchor"]["lang"] == "en"
        assert record["positive"]["lang"] in (("fr", "zh") if crosslingual else ("en",))
        _check_negative_is_host_with_one_word_changed(record)
        assert 0.0 <= record["alignment_score"] <= 1.0
    assert len({r["id"] for r in records}) == len(records)
    assert stats["records"]["total"] == len(records) == stats["negatives"]["kept"]
    dataset = load_corpus(tmp_path)
    assert dataset.num_rows == len(records) and dataset[0]["anchor"] == records[0]["anchor"]
    assert (tmp_path / "sample.txt").read_text(encoding="utf-8").count("[[") == 3 * min(5, len(records))


def test_crosslingual_positives_are_in_the_translation(tmp_path):
    _, records = _build(tmp_path, CROSS, "xlmr", negative_strategy="random")
    zh = [r for r in records if r["positive"]["lang"] == "zh"]
    assert zh and all(r["negative"]["lang"] == "zh" for r in zh)
    assert {r["alignment"] for r in records} == {"mutual_argmax"}
    assert all(r["pair_id"].startswith("tsv:bitext:") for r in records)


def test_monolingual_surface_matches_come_first(tmp_path):
    stats, records = _build(tmp_path, MONO, negative_strategy="random")
    by_method = {m: [r for r in records if r["alignment"] == m] for m in ("surface", "stem", "mutual_argmax")}
    assert by_method["surface"] and by_method["mutual_argmax"]
    for r in by_method["surface"]:
        a, p = r["anchor"], r["positive"]
        assert a["text"][a["start"] : a["end"]].casefold() == p["text"][p["start"] : p["end"]].casefold()
        assert r["alignment_score"] == 1.0
    positives = stats["positives"]
    assert positives["same_surface"] >= len(by_method["surface"])
    assert 0 < positives["different_word_fraction"] < 1
    assert stats["pair_word_overlap"]["tsv"]["pairs"] == 12
    by_source = stats["positives_by_source"]["tsv/en"]
    assert by_source["different_word"] == positives["different_word"]
    assert by_source["different_word_fraction"] == positives["different_word_fraction"]


def test_different_word_positives_only(tmp_path):
    stats, records = _build(tmp_path, MONO, negative_strategy="random", different_word_positives=True)
    assert records
    for r in records:
        a, p = r["anchor"], r["positive"]
        assert a["text"][a["start"] : a["end"]].casefold() != p["text"][p["start"] : p["end"]].casefold()
        assert r["alignment"] == "mutual_argmax"
    assert stats["alignment"]["dropped"]["target word also in the paraphrase"] > 0


def test_bad_input_lines_are_counted_not_fatal(tmp_path):
    good = PARAPHRASES.read_bytes().splitlines(keepends=True)
    bad = [b"\n", b"left only\t\n", b"a\tb\tc\n", b"bad \xff bytes\tright side\n"]
    path = tmp_path / "mixed.tsv"
    path.write_bytes(b"".join(good[:3] + bad + good[3:]))
    stats, records = _build(tmp_path / "out", [f"tsv:{path}:en-en"], negative_strategy="random")
    assert records
    assert stats["inputs"]["dropped"] == {
        "empty line": 1,
        "one side missing": 1,
        "wrong column count (3, expected 2)": 1,
        "undecodable bytes (not UTF-8)": 1,
    }
    assert stats["inputs"]["pairs"] == 12
    assert stats["sentences"]["anchor sides"] == 24


def test_resume_after_an_interruption_gives_the_same_records(tmp_path, monkeypatch):
    _, expected = _build(
        tmp_path / "whole", MONO + CROSS[:1], negative_strategy="random", anchor_langs=("en",)
    )
    original = CorpusBuilder.process_chunk
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("simulated interruption")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CorpusBuilder, "process_chunk", failing)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path / "resumed", MONO + CROSS[:1], negative_strategy="random", anchor_langs=("en",))
    progress = ShardWriter(
        tmp_path / "resumed", config(MONO + CROSS[:1], negative_strategy="random").fingerprint()
    )
    assert progress.load_state()["next_chunk"] == 2 and not (tmp_path / "resumed" / "train.jsonl").exists()
    monkeypatch.setattr(CorpusBuilder, "process_chunk", original)
    stats, resumed = _build(
        tmp_path / "resumed", MONO + CROSS[:1], negative_strategy="random", anchor_langs=("en",)
    )
    assert resumed == expected
    whole = json.loads((tmp_path / "whole" / "stats.json").read_text())
    for stage in ("inputs", "sentences", "targets", "alignment", "negatives", "positives", "records"):
        assert stats[stage] == whole[stage]


def test_a_changed_config_does_not_resume_silently(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "progress.json").write_text(json.dumps({"fingerprint": "other", "next_chunk": 1}))
    with pytest.raises(ValueError, match="different configuration"):
        _build(tmp_path, MONO)
    tokenizer = wordpiece_tokenizer()
    build_corpus(config(MONO), tmp_path, overwrite=True, encoder=tiny_encoder(tokenizer), tokenizer=tokenizer)
    assert load_corpus(tmp_path).num_rows > 0


def test_same_seed_same_corpus_other_seed_other_corpus(tmp_path):
    _, first = _build(tmp_path / "a", MONO, negative_strategy="embedding", seed=3)
    _, second = _build(tmp_path / "b", MONO, negative_strategy="embedding", seed=3)
    _, third = _build(tmp_path / "c", MONO, negative_strategy="embedding", seed=4)
    assert first == second
    assert first != third


def test_heldout_split_never_shares_a_pair(tmp_path):
    _, everything = _build(tmp_path / "all", MONO + CROSS, "xlmr", negative_strategy="random")
    stats, train = _build(
        tmp_path / "split", MONO + CROSS, "xlmr", negative_strategy="random", heldout_fraction=0.3
    )
    heldout = load_corpus(tmp_path / "split", split="heldout")
    held_pairs = set(heldout["pair_id"])
    assert held_pairs and not held_pairs & {r["pair_id"] for r in train}
    assert sorted([r["id"] for r in train] + list(heldout["id"])) == sorted(r["id"] for r in everything)
    assert stats["records"] == {"train": len(train), "heldout": heldout.num_rows, "total": len(everything)}
    assert (tmp_path / "split" / "heldout.jsonl").exists()
    with pytest.raises(FileNotFoundError, match="no held-out split"):
        load_corpus(tmp_path / "all", split="heldout")


def test_max_records_stops_exactly(tmp_path):
    stats, records = _build(tmp_path, MONO, negative_strategy="random", max_records=7)
    assert len(records) == 7 and stats["records"]["total"] == 7


def test_cli_builds_from_saved_models(tmp_path, capsys):
    from wicdistill.cli import main

    tokenizer = wordpiece_tokenizer()
    model_dir = tmp_path / "encoder"
    tiny_encoder(tokenizer).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    out = tmp_path / "corpus"
    argv = ["build-corpus", "--input", MONO[0], "--encoder", str(model_dir), "--out", str(out),
            "--negatives", "embedding", "--min-words", "5", "--skip-top-fraction", "0", "--min-alignment-score", "0",
            "--negative-min-count", "1", "--no-progress", "--heldout-fraction", "0.2"]  # fmt: skip
    assert main(argv) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["records"]["total"] == load_corpus(out).num_rows + load_corpus(out, "heldout").num_rows > 0
    assert stats["config"]["negative_strategy"] == "embedding"
    assert main(argv[:-2] + ["--negatives", "mlm", "--overwrite"]) != 0
    assert "has no trained masked-LM head" in capsys.readouterr().err


def test_sample_fraction_takes_a_stable_subset_of_pairs(tmp_path):
    _, everything = _build(tmp_path / "all", MONO + CROSS, "xlmr", negative_strategy="random")
    stats, half = _build(
        tmp_path / "half", MONO + CROSS, "xlmr", negative_strategy="random", sample_fraction=0.5
    )
    pairs_all, pairs_half = {r["pair_id"] for r in everything}, {r["pair_id"] for r in half}
    assert pairs_half < pairs_all and 0 < stats["inputs"]["pairs"] < 24
    _, again = _build(
        tmp_path / "again", MONO + CROSS, "xlmr", negative_strategy="random", sample_fraction=0.5
    )
    assert again == half


def test_most_frequent_words_are_never_negatives(tmp_path):
    _, records = _build(tmp_path, MONO, negative_strategy="random", negative_skip_top=30)
    from wicdistill.corpus.vocabulary import Vocabulary

    vocab = Vocabulary("en")
    for line in PARAPHRASES.read_text(encoding="utf-8").splitlines():
        for side in line.split("\t"):
            vocab.add_text(side)
    negatives = {
        r["negative"]["text"][r["negative"]["start"] : r["negative"]["end"]].casefold() for r in records
    }
    assert records and all(vocab.rank(word) >= 30 for word in negatives)


def test_jieba_words_become_the_chinese_targets(tmp_path):
    """With unspaced_words='jieba' a zh positive starts and ends at jieba word boundaries (it may
    cover up to three words when the alignment links one English word to several)."""
    import jieba

    _, records = _build(
        tmp_path, [f"tsv:{BITEXT_ZH}:en-zh"], "xlmr", negative_strategy="random", unspaced_words="jieba"
    )
    zh = [r for r in records if r["positive"]["lang"] == "zh"]
    assert len(zh) >= 5
    for record in zh:
        positive = record["positive"]
        words = list(jieba.tokenize(positive["text"]))
        starts, ends = {s for _, s, _ in words}, {e for _, _, e in words}
        assert positive["start"] in starts and positive["end"] in ends, positive
    assert any(r["positive"]["end"] - r["positive"]["start"] >= 2 for r in zh)
    pieces = _build(tmp_path / "pieces", [f"tsv:{BITEXT_ZH}:en-zh"], "xlmr", negative_strategy="random")[1]
    assert [r["positive"] for r in pieces] != [r["positive"] for r in records]


def test_dropped_input_lines_keep_their_places_and_are_summarised(tmp_path, caplog):
    good = PARAPHRASES.read_bytes().splitlines(keepends=True)
    path = tmp_path / "mixed.tsv"
    path.write_bytes(b"".join(good[:3] + [b"\n", b"left only\t\n", b"\n"] + good[3:]))
    with caplog.at_level("WARNING", logger="wicdistill.corpus.builder"):
        stats, _ = _build(tmp_path / "out", [f"tsv:{path}:en-en"], negative_strategy="random")
    assert stats["inputs"]["dropped_at"] == {
        "empty line": ["mixed.tsv:4", "mixed.tsv:6"],
        "one side missing": ["mixed.tsv:5"],
    }
    assert (
        "dropped 3 inputs line(s): empty line 2 (first at mixed.tsv:4); one side missing 1 (first at mixed.tsv:5)"
        in caplog.text
    )
    on_disk = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert on_disk["inputs"]["dropped_at"] == stats["inputs"]["dropped_at"]


@pytest.mark.parametrize("pair", ["en-qq", "xx-en"])
def test_unknown_language_codes_are_refused_before_building(tmp_path, pair):
    with pytest.raises(ValueError, match=rf"input tsv:.*:{pair}: unknown language code '(qq|xx)'"):
        _build(tmp_path / "out", [f"tsv:{PARAPHRASES}:{pair}"], negative_strategy="random")
    assert not (tmp_path / "out").exists()


def test_a_build_with_no_record_says_which_filter_removed_everything_and_leaves_nothing(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"the build made 0 records: 12 input pair\(s\) read; sentences dropped not an anchor language \(de\) \(24\)",
    ):
        _build(
            tmp_path / "out", [f"tsv:{PARAPHRASES}:fr-fr"], negative_strategy="random", anchor_langs=("de",)
        )
    assert not (tmp_path / "out").exists()


def test_mlm_negatives_without_a_masked_lm_head_fail_before_any_input_is_read(tmp_path, encoder_dir):
    missing = tmp_path / "not-read-yet.tsv"
    with pytest.raises(ValueError, match="has no trained masked-LM head"):
        build_corpus(
            config([f"tsv:{missing}:en-en"], negative_strategy="mlm", encoder=str(encoder_dir)),
            tmp_path / "out",
        )
