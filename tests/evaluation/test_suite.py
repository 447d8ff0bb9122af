"""End to end on tiny random models and the fixture data: evaluate, write_report and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import build_model

from wicdistill.cli import main as cli_main
from wicdistill.evaluation import SCHEMA, evaluate, format_table, write_report
from wicdistill.evaluation.data_roots import BUNDLED_DATA, DataRoots
from wicdistill.evaluation.metrics import best_threshold
from wicdistill.evaluation.tasks import resolve_tasks
from wicdistill.evaluation.vectors import ROWS, VectorCache
from wicdistill.targets_wicdistill import Target

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eval"
HELDOUT = FIXTURES / "corpus" / "heldout.jsonl"
TASKS = [
    "wic",
    "mcl-wic-dev-zh",
    "mcl-wic-test-en-zh",
    "am2ico-dev-zh",
    "am2ico-zh-transfer",
    "am2ico-de-transfer",
    "scws",
    "usim",
    "cosimlex-en",
    "sts15",
    "stsb-dev",
    "sick-r",
    "sts17-ar-en",
    "sts17-tr-en",
    "offset-zh",
    "offset-de",
]


def check_schema(report: dict) -> None:
    """The evaluation.json contract of docs/schemas.md."""
    assert report["schema"] == SCHEMA
    assert isinstance(report["model"], str) and isinstance(report["layers"], list)
    assert isinstance(report["wall_time_s"], float)
    for name, task in report["tasks"].items():
        for key, kind in [
            ("dataset", str),
            ("split", str),
            ("language", str),
            ("metric", str),
            ("n_pairs", int),
            ("n_unlocatable", int),
            ("unlocatable", list),
            ("rows", dict),
            ("wall_time_s", float),
        ]:
            assert isinstance(task[key], kind), (name, key)
        assert task["n_unlocatable"] == len(task["unlocatable"])
        assert set(task["rows"]) == set(ROWS)
        for row in task["rows"].values():
            assert isinstance(row["score"], float), name
        if task["metric"] == "accuracy":
            for row in task["rows"].values():
                for key in ("threshold", "tuned_on", "tuning_score", "auc"):
                    assert key in row, (name, key)


@pytest.fixture(scope="module")
def report() -> dict:
    model, tokenizer = build_model("bert")
    return evaluate(model, tokenizer, TASKS, data_dir=FIXTURES, heldout=HELDOUT, show_progress=False)


def test_report_follows_the_schema_and_is_strict_json(report):
    check_schema(report)
    assert list(report["tasks"]) == TASKS
    json.loads(json.dumps(report, allow_nan=False))


def test_rows_hold_the_same_pairs(report):
    for name, task in report["tasks"].items():
        if task["metric"] != "accuracy":
            continue
        for row in ROWS:
            histogram = task["rows"][row]["histogram"]
            assert sum(histogram["same"]) + sum(histogram["different"]) == task["n_pairs"], (name, row)


def test_counts_and_protocols_on_the_fixtures(report):
    tasks = report["tasks"]
    assert (tasks["wic"]["n_pairs"], tasks["wic"]["n_unlocatable"], tasks["wic"]["n_tuning_pairs"]) == (
        5,
        1,
        4,
    )
    assert tasks["wic"]["rows"]["meaning"]["tuned_on"] == "train"
    assert "oracle_score" in tasks["wic"]["rows"]["baseline"]
    assert tasks["mcl-wic-dev-zh"]["rows"]["baseline"]["tuned_on"] == "mcl-wic-dev-zh"
    assert tasks["mcl-wic-test-en-zh"]["rows"]["context"]["tuned_on"] == "mcl-wic-dev-zh"
    assert (tasks["mcl-wic-test-en-zh"]["n_pairs"], tasks["mcl-wic-test-en-zh"]["n_unlocatable"]) == (3, 1)
    assert tasks["am2ico-zh-transfer"]["rows"]["baseline"]["tuned_on"] == "mcl-wic-dev-zh"
    assert tasks["am2ico-de-transfer"]["rows"]["baseline"]["tuned_on"] == "mcl-wic-dev-en"
    # the transfer task scores the AM2iCo dev pairs; its oracle is the dev task's own number
    for row in ROWS:
        assert (
            tasks["am2ico-zh-transfer"]["rows"][row]["oracle_score"]
            == tasks["am2ico-dev-zh"]["rows"][row]["score"]
        )
        # too few pairs per class for 10 folds: no cross-validated number rather than a noisy one
        assert tasks["am2ico-zh-transfer"]["rows"][row]["oracle_cv_score"] is None
    assert (tasks["scws"]["n_pairs"], tasks["scws"]["n_unlocatable"]) == (3, 1)
    cosimlex = tasks["cosimlex-en"]["rows"]["baseline"]
    assert {"pearson_uncentred", "harmonic_mean", "pearson"} <= set(cosimlex)
    assert tasks["cosimlex-en"]["n_pairs"] == 3
    assert (tasks["sts15"]["n_pairs"], tasks["sts15"]["n_unscored"]) == (6, 1)
    assert tasks["sts15"]["unlocatable"][0]["id"] == "headlines:3"  # "... !!!" has no word
    assert tasks["sts17-tr-en"]["n_pairs"] == 3
    for name in ("stsb-dev", "sick-r", "sts15"):
        row = tasks[name]["rows"]["meaning"]
        assert row["score"] == row["greedy_f1"] and "mean_pool" in row
    offset = tasks["offset-zh"]
    assert (offset["n_pairs"], offset["n_unlocatable"], offset["reference"]) == (2, 1, "mcl-wic-dev-zh")
    assert tasks["offset-de"]["reference"] == "mcl-wic-dev-en"
    row = offset["rows"]["baseline"]
    expected = (row["mean_same"] - row["mean_translation"]) / (row["mean_same"] - row["mean_different"])
    assert row["score"] == pytest.approx(expected)


def test_binary_numbers_match_the_metrics_on_the_same_vectors():
    """Recompute mcl-wic-dev-en by hand from encode() and compare with the task's numbers."""
    from wicdistill.evaluation.loaders import load_mcl_wic
    from wicdistill.evaluation.metrics import accuracy, roc_auc, row_cosines

    model, tokenizer = build_model("bert", seed=3)
    pairs = load_mcl_wic(FIXTURES / "mcl-wic/dev/multilingual/dev.en-en.data").pairs
    items = [t for p in pairs for t in (p.first, p.second)]
    vectors = model.encode(items, tokenizer, output=list(ROWS))
    labels = np.array([p.gold for p in pairs], dtype=bool)
    report = evaluate(model, tokenizer, "mcl-wic-dev-en", data_dir=FIXTURES, show_progress=False)
    for row in ROWS:
        v = vectors[row].numpy()
        cosines = row_cosines(v[0::2], v[1::2])
        threshold, _ = best_threshold(cosines, labels)
        got = report["tasks"]["mcl-wic-dev-en"]["rows"][row]
        assert got["threshold"] == pytest.approx(threshold)
        assert got["score"] == pytest.approx(100 * accuracy(cosines, labels, threshold))
        assert got["auc"] == pytest.approx(roc_auc(cosines, labels))
    split = row_cosines(vectors["meaning"].numpy(), vectors["context"].numpy()).mean()
    assert report["tasks"]["mcl-wic-dev-en"]["meaning_context_cosine"] == pytest.approx(split)
    assert "## Meaning vs context" in format_table(report)


def test_each_target_is_encoded_once_and_shared_splits_are_reused(monkeypatch):
    model, tokenizer = build_model("bert")
    calls = []
    original = model.encode

    def spy(items, *args, **kwargs):
        items = list(items)
        calls.append(items)
        return original(items, *args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    evaluate(
        model,
        tokenizer,
        ["mcl-wic-dev-zh", "am2ico-zh-transfer", "am2ico-dev-zh"],
        data_dir=FIXTURES,
        show_progress=False,
    )
    assert len(calls) == 2  # the transfer task reuses MCL-WiC dev; am2ico-dev-zh reuses everything
    for items in calls:
        keys = [(t.text, t.spans) for t in items]
        assert len(keys) == len(set(keys))
    assert all("<word>" not in t.text for t in calls[1])
    assert len(calls[1]) == 9  # 5 located AM2iCo pairs; 河 in "我喜欢河。" was encoded for MCL-WiC
    with_cache = {(t.text, t.spans) for t in calls[0]}
    assert not with_cache & {(t.text, t.spans) for t in calls[1]}


def test_a_target_the_tokenizer_drops_is_reported_not_fatal():
    model, tokenizer = build_model("bert")
    encoded = VectorCache().encode(
        model, tokenizer, [Target("a\u200b b bank", ((1, 2),)), Target("He sat on the bank", ((14, 18),))]
    )
    assert list(encoded.failures) == [0]
    assert "cover no token" in encoded.failures[0]
    assert encoded.located.tolist() == [False, True]
    assert np.abs(encoded.vectors["meaning"][1]).sum() > 0


def test_write_report_and_table(report, tmp_path):
    paths = write_report(report, tmp_path / "out")
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == report
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = paths["markdown"].read_text(encoding="utf-8")
    assert table == format_table(report)
    line = next(x for x in table.splitlines() if x.startswith("| wic |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[:4] == ["wic", "accuracy", "5", "1"]
    assert cells[4] == f"{report['tasks']['wic']['rows']['baseline']['score']:.1f}"
    assert "dev.data.txt:4 side 2" in table
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_unknown_task_and_missing_inputs_are_clear_errors(tmp_path):
    with pytest.raises(
        ValueError, match=r"unknown task 'wic-dev'\. Valid tasks: wic, wic-test,.*Groups: mcl-wic-dev"
    ):
        resolve_tasks("wic-dev")
    model, tokenizer = build_model("bert")
    with pytest.raises(ValueError, match="needs the held-back corpus file"):
        evaluate(model, tokenizer, ["offset-zh"], data_dir=FIXTURES, show_progress=False)
    with pytest.raises(ValueError, match="no English–fr anchor/positive pairs.*languages with pairs: de, zh"):
        evaluate(model, tokenizer, ["offset-fr"], data_dir=FIXTURES, heldout=HELDOUT, show_progress=False)
    with pytest.raises(FileNotFoundError, match="task 'am2ico-dev-ko' needs am2ico/ko/dev.tsv"):
        evaluate(model, tokenizer, ["am2ico-dev-ko"], data_dir=FIXTURES, show_progress=False)
    with pytest.raises(FileNotFoundError, match="data directory not found"):
        DataRoots(tmp_path / "missing")


def test_groups_expand_in_order_without_repeats():
    names = [spec.name for spec in resolve_tasks("mcl-wic-dev,mcl-wic-dev-en,sts")]
    assert names[:5] == [f"mcl-wic-dev-{x}" for x in ("ar", "en", "fr", "ru", "zh")]
    assert names[5:] == ["sts12", "sts13", "sts14", "sts15", "sts16", "stsb-test", "sick-r"]
    offsets = resolve_tasks(["offset"], offset_languages=["zh", "de"])
    assert [spec.name for spec in offsets] == ["offset-de", "offset-zh"]


def test_every_language_of_the_heldout_file_gets_an_offset():
    """The bitext may hold languages no benchmark covers (es): their offset is still measured,
    against MCL-WiC en–en dev, and ``offset-<l>`` names them one by one."""
    offsets = resolve_tasks(["offset"], offset_languages=["zh", "es", "en"])
    assert [spec.name for spec in offsets] == ["offset-es", "offset-zh"]
    assert [spec.source.label for spec in offsets] == ["mcl-wic-dev-en", "mcl-wic-dev-zh"]
    (spanish,) = resolve_tasks("offset-es")
    assert (spanish.language, spanish.metric) == ("es", "offset")
    with pytest.raises(ValueError, match="unknown task 'offset-spanish'"):
        resolve_tasks("offset-spanish")


def test_wic_falls_back_to_the_bundled_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("WICDISTILL_DATA_DIR", str(tmp_path))
    roots = DataRoots()
    assert roots.roots == [tmp_path, BUNDLED_DATA]
    assert roots.find("wic/dev/dev.data.txt") == BUNDLED_DATA / "wic/dev/dev.data.txt"
    assert roots.find("wic/train/train.gold.txt") is not None
    notice = (BUNDLED_DATA / "wic" / "NOTICE.md").read_text(encoding="utf-8")
    assert "CC BY-NC 4.0" in notice and "Pilehvar" in notice


def test_cli_scores_a_saved_model(saved_bert, tmp_path, capsys):
    out = tmp_path / "cli"
    code = cli_main(
        [
            "evaluate",
            str(saved_bert),
            "--tasks",
            "wic,scws",
            "--data-dir",
            str(FIXTURES),
            "--output",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    report = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    check_schema(report)
    assert list(report["tasks"]) == ["wic", "scws"]
    assert (out / "evaluation.md").is_file() and (out / "evaluation.png").stat().st_size > 1000
    assert "| scws | spearman | 3 | 1 |" in capsys.readouterr().out


def test_cli_errors(saved_bert, capsys):
    assert cli_main(["evaluate", str(saved_bert), "--tasks", "nope", "--no-progress"]) == 1
    assert "unknown task 'nope'" in capsys.readouterr().err
    assert cli_main(["evaluate", str(saved_bert), "--encoder", "x", "--no-progress"]) == 1
    assert "not both or neither" in capsys.readouterr().err


def test_sts_words_that_cannot_be_encoded_are_listed_and_left_out():
    from wicdistill.evaluation.pairs import SentencePair, SentencePairSet
    from wicdistill.evaluation.protocols.sentence import sentence_rows, word_spans
    from wicdistill.evaluation.vectors import EncodedTargets

    class OneFailure:
        """Encodes every word as a fixed vector; the word 'x' fails."""

        def encode(self, targets, keep=True):
            table = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [1.0, 1.0], "x": [0.0, 0.0]}
            words = [t.text[slice(*t.spans[0])] for t in targets]
            matrix = np.array([table[w] for w in words], dtype=np.float32)
            failures = {i: "tokenizer: no token" for i, w in enumerate(words) if w == "x"}
            return EncodedTargets({row: matrix for row in ROWS}, failures)

    pairs = SentencePairSet(
        "mem",
        [
            SentencePair("p1", "a b", "a x", 3.0),
            SentencePair("p2", "a c", "b", 3.5),
            SentencePair("p3", "x", "a", 2.0),
            SentencePair("p4", "c", "c b", 4.0),
        ],
    )
    assert word_spans("a x, b!") == [(0, 1), (2, 3), (5, 6)]
    rows, scored, unlocatable = sentence_rows(OneFailure(), pairs)
    assert scored == 3
    assert [(u.id, u.side) for u in unlocatable] == [("p1", 2), ("p3", 1), ("p3", 1)]
    assert "word 'x': tokenizer: no token" in unlocatable[0].reason
    assert "no word left" in unlocatable[2].reason
    # greedy F1 of (p1, p2, p4) = (0.667, 0.471, 0.921) against gold (3, 3.5, 4): rank differences
    # (1, -1, 0) -> rho = 1 - 6 * 2 / (3 * 8) = 0.5; mean pooling (0.707, 0.447, 0.949) ranks the same
    assert rows["baseline"]["greedy_f1"] == pytest.approx(50.0)
    assert rows["baseline"]["mean_pool"] == pytest.approx(50.0)
    assert rows["meaning"]["score"] == rows["meaning"]["greedy_f1"]


def test_stack_cache_gives_identical_reports_without_the_encoder(tmp_path, monkeypatch):
    """A second model on the same encoder is scored from stored stacks: same numbers, no encoder pass."""
    from conftest import build_model

    from wicdistill.evaluation import evaluate

    model, tokenizer = build_model("bert")
    plain = evaluate(model, tokenizer, ["mcl-wic-dev-en"], data_dir=FIXTURES, show_progress=False)
    first = evaluate(
        model, tokenizer, ["mcl-wic-dev-en"], data_dir=FIXTURES, show_progress=False, stack_cache=tmp_path
    )
    assert list(tmp_path.glob("stacks-*.pt"))
    calls = []
    monkeypatch.setattr(model.encoder, "forward", lambda *a, **k: calls.append(1))
    second = evaluate(
        model, tokenizer, ["mcl-wic-dev-en"], data_dir=FIXTURES, show_progress=False, stack_cache=tmp_path
    )
    assert calls == []
    for row in ("baseline", "meaning", "context"):
        assert (
            second["tasks"]["mcl-wic-dev-en"]["rows"][row]["score"]
            == first["tasks"]["mcl-wic-dev-en"]["rows"][row]["score"]
        )
        assert (
            first["tasks"]["mcl-wic-dev-en"]["rows"][row]["score"]
            == plain["tasks"]["mcl-wic-dev-en"]["rows"][row]["score"]
        )
    other, _ = build_model("bert", seed=1)
    evaluate(
        other, tokenizer, ["mcl-wic-dev-en"], data_dir=FIXTURES, show_progress=False, stack_cache=tmp_path
    )
    assert len(list(tmp_path.glob("stacks-*.pt"))) == 2


def test_loaders_tag_languages_and_centred_models_use_them():
    from conftest import build_model

    from wicdistill.evaluation import evaluate
    from wicdistill.evaluation.loaders import load_am2ico, load_mcl_wic

    am2ico = load_am2ico(FIXTURES / "am2ico" / "de" / "dev.tsv")
    assert {(p.first.lang, p.second.lang) for p in am2ico.pairs} == {("de", "en")}
    mcl = load_mcl_wic(FIXTURES / "mcl-wic/dev/multilingual/dev.en-en.data")
    assert {(p.first.lang, p.second.lang) for p in mcl.pairs} == {("en", "en")}

    model, tokenizer = build_model("xlmr", centering_languages=["de", "en"])
    plain = evaluate(model, tokenizer, ["am2ico-dev-de"], data_dir=FIXTURES, show_progress=False)
    with torch.no_grad():
        model.centering.means[0] = 0.5
        model.centering.means[1] = -0.5
    centred = evaluate(model, tokenizer, ["am2ico-dev-de"], data_dir=FIXTURES, show_progress=False)
    rows, rows_c = plain["tasks"]["am2ico-dev-de"]["rows"], centred["tasks"]["am2ico-dev-de"]["rows"]
    assert rows["baseline"] == rows_c["baseline"]
    assert rows["meaning"]["mean_same"] != rows_c["meaning"]["mean_same"]


def test_cli_stores_the_tuned_thresholds_in_the_model_config(saved_bert, tmp_path, capsys):
    import shutil

    from wicdistill import WicDistillModel
    from wicdistill.evaluation.protocols.decisions import decision_thresholds

    folder = tmp_path / "model"
    shutil.copytree(saved_bert, folder)
    args = [
        "evaluate",
        str(folder),
        "--tasks",
        "wic,mcl-wic-dev-en,mcl-wic-dev-zh",
        "--data-dir",
        str(FIXTURES),
    ]
    code = cli_main([*args, "--output", str(tmp_path / "out"), "--no-progress", "--store-thresholds"])
    assert code == 0
    stored = json.loads((folder / "config.json").read_text(encoding="utf-8"))["decision_thresholds"]
    report = json.loads((tmp_path / "out" / "evaluation.json").read_text(encoding="utf-8"))
    assert stored == decision_thresholds(report, "meaning", date=stored["date"])
    assert sorted(stored["languages"]) == ["en", "zh"] and stored["default"]["dev_set"] == "mcl-wic-dev en-en"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [], "no temporary file left"
    en = stored["languages"]["en"]
    assert (
        f"stored meaning decision thresholds in {folder / 'config.json'}: en {en['threshold']:.4f} (wic-dev, "
        f"accuracy {100 * en['accuracy']:.1f}%)"
    ) in capsys.readouterr().out
    assert WicDistillModel.from_pretrained(folder).config.decision_thresholds == stored


def test_cli_refuses_thresholds_it_cannot_store_before_evaluating(saved_bert, tmp_path, capsys):
    before = (saved_bert / "config.json").read_bytes()
    out = ["--output", str(tmp_path), "--no-progress"]
    assert (
        cli_main(["evaluate", str(saved_bert), "--tasks", "scws,am2ico-dev-zh", *out, "--store-thresholds"])
        == 1
    )
    assert (
        "storing thresholds needs a same-language binary dev task among the tasks 'scws,am2ico-dev-zh': add wic "
        "or mcl-wic-dev-<x>" in capsys.readouterr().err
    )
    assert cli_main(["evaluate", "--encoder", "x", *out, "--store-thresholds", "context"]) == 1
    assert (
        "--store-thresholds writes into a trained model folder: give MODEL, not --encoder"
        in capsys.readouterr().err
    )
    assert cli_main(["evaluate", "--store-thresholds", str(saved_bert), "--tasks", "wic", *out]) == 1
    assert (
        f"--store-thresholds OUTPUT must be one of meaning, context, baseline, got {str(saved_bert)!r} (give the "
        "option after MODEL)" in capsys.readouterr().err
    )
    assert not (tmp_path / "evaluation.json").exists() and (saved_bert / "config.json").read_bytes() == before
