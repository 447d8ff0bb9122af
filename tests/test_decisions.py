"""Decision thresholds stored in the model: tuned by the evaluation, used by ``model.similarity``,
the pipeline's pairs and the Endpoints handler, and kept through save, export and remote code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import build_model
from isolated import run_isolated
from transformers import AutoTokenizer, pipeline

from wicdistill import WicDistillConfig, WicDistillModel
from wicdistill.configuration_wicdistill import check_decision_thresholds
from wicdistill.evaluation import evaluate
from wicdistill.evaluation.context import EvalContext
from wicdistill.evaluation.data_roots import DataRoots
from wicdistill.evaluation.loaders import load_mcl_wic
from wicdistill.evaluation.protocols.decisions import decision_thresholds, store_decision_thresholds
from wicdistill.evaluation.protocols.pair_cosines import pair_cosines
from wicdistill.pipeline_wicdistill import TASK, parse_marked_text

FIXTURES = Path(__file__).parent / "fixtures" / "eval"
DATE = "2026-12-02"
THRESHOLDS = {
    "output": "meaning",
    "date": DATE,
    "languages": {
        "en": {"threshold": 0.5, "dev_set": "wic-dev", "accuracy": 0.671, "pairs": 638},
        "fr": {"threshold": 0.7, "dev_set": "mcl-wic-dev fr-fr", "accuracy": 0.65, "pairs": 1000},
    },
    "default": {
        "threshold": 0.6,
        "dev_set": "mcl-wic-dev en-en",
        "accuracy": 0.68,
        "pairs": 1000,
        "transferred": True,
    },
}
RIVER = "He sat on the [[bank]] of the river."
MONEY = "She deposited money at the [[bank]]."

# (first sentence, its target word, second sentence, its target word, same sense?)
TINY_TASKS = {
    "en": [
        (
            "He sat on the bank of the river.",
            "bank",
            "The river bank was muddy after the rain.",
            "bank",
            True,
        ),
        ("He sat on the bank of the river.", "bank", "She deposited money at the bank.", "bank", False),
        ("The plant grows near the water.", "plant", "The power plant by the water.", "plant", False),
        ("They play a play about the bat.", "play", "They play about the ball.", "play", False),
        (
            "The river bank was muddy after the rain.",
            "river",
            "He sat on the bank of the river.",
            "river",
            True,
        ),
        ("The plant grows near the water.", "water", "The power plant by the water.", "water", True),
        ("They play about the ball.", "ball", "They play a play about the bat and the ball.", "ball", True),
        ("She deposited money at the bank.", "money", "The money was muddy.", "money", True),
    ],
    "fr": [
        ("Il est assis sur la rive du fleuve.", "rive", "La rive du fleuve est boueuse.", "rive", True),
        ("Elle a mis l'argent à la banque.", "banque", "La banque est fermée.", "banque", True),
        ("Il joue une pièce de théâtre.", "pièce", "Une pièce de monnaie.", "pièce", False),
        ("La plante pousse près de l'eau.", "plante", "La plante du pied.", "plante", False),
        ("Le banc du parc est vert.", "banc", "Un banc de poissons.", "banc", False),
        ("Elle boit de l'eau.", "eau", "L'eau du fleuve.", "eau", True),
    ],
}


def write_tiny_task(root: Path, language: str) -> Path:
    """An MCL-WiC dev file (data + gold) of ``language`` under ``root``, as the loaders read it."""
    records, gold = [], []
    for i, (first, word1, second, word2, same) in enumerate(TINY_TASKS[language]):
        start1, start2 = first.index(word1), second.index(word2)
        records.append(
            {
                "id": f"dev.{language}-{language}.{i}",
                "lemma": word1,
                "pos": "NOUN",
                "sentence1": first,
                "sentence2": second,
                "start1": str(start1),
                "end1": str(start1 + len(word1)),
                "start2": str(start2),
                "end2": str(start2 + len(word2)),
            }
        )
        gold.append({"id": f"dev.{language}-{language}.{i}", "tag": "T" if same else "F"})
    folder = root / "mcl-wic" / "dev" / "multilingual"
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"dev.{language}-{language}.data"
    data.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    data.with_suffix(".gold").write_text(json.dumps(gold), encoding="utf-8")
    return data


def as_item(target) -> dict:
    return {"text": target.text, "spans": [list(s) for s in target.spans], "lang": target.lang}


def test_config_decides_with_the_pairs_language_else_the_default():
    config = WicDistillConfig(encoder=build_model("bert")[0].config.encoder, decision_thresholds=THRESHOLDS)
    assert config.decision(0.65, "en", "en") == {"score": 0.65, "same_sense": True, "threshold": 0.5}
    assert config.decision(0.65, "fr", "fr") == {"score": 0.65, "same_sense": False, "threshold": 0.7}
    assert config.decision(0.65, "en", "fr") == {"score": 0.65, "same_sense": True, "threshold": 0.6}
    # a language without a stored threshold, or no language at all, takes the default
    assert config.decision(0.55, "de", "de")["threshold"] == 0.6
    assert config.decision(0.55, None, None) == {"score": 0.55, "same_sense": False, "threshold": 0.6}
    assert config.decision(0.6, "en", None)["same_sense"] is True  # score >= threshold, as evaluated
    assert WicDistillConfig(encoder=config.encoder).decision(0.65, "en", "en") == {"score": 0.65}


def test_thresholds_survive_save_pretrained_and_from_pretrained(tmp_path):
    model, _ = build_model("bert", decision_thresholds=THRESHOLDS)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["decision_thresholds"] == THRESHOLDS
    reloaded = WicDistillModel.from_pretrained(tmp_path)
    assert reloaded.config.decision_thresholds == THRESHOLDS
    assert reloaded.config.decision(0.65, "fr", "fr")["threshold"] == 0.7


def test_refitting_the_centres_drops_thresholds_tuned_on_the_old_vectors():
    model, _ = build_model("xlmr", centering_languages=["en"], decision_thresholds=THRESHOLDS)
    assert model.config.decision_thresholds == THRESHOLDS
    model.fit_meaning_centers(torch.ones(2, 32), ["en", "en"])
    assert model.config.decision_thresholds is None


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"default": None},
            r"^decision_thresholds default must be a dict with keys "
            r"\['threshold', 'dev_set', 'accuracy', 'pairs', 'transferred'\], got NoneType$",
        ),
        (
            {"output": "pooled"},
            r"^decision_thresholds output must be one of \('meaning', 'context', 'baseline'\)",
        ),
        (
            {"languages": {"en": {**THRESHOLDS["languages"]["en"], "accuracy": 67.1}}},
            r"^decision_thresholds languages\['en'\] accuracy must be a fraction in \[0, 1\], got 67.1$",
        ),
        (
            {"languages": {"en": {**THRESHOLDS["languages"]["en"], "threshold": float("nan")}}},
            r"^decision_thresholds languages\['en'\] threshold must be a finite number, got nan$",
        ),
        ({"when": DATE}, r"^decision_thresholds must be None or a dict with keys \['output', 'date', "),
    ],
)
def test_bad_stored_thresholds_fail_at_load_naming_the_value(change, message):
    with pytest.raises(ValueError, match=message):
        check_decision_thresholds({**THRESHOLDS, **change})


def test_similarity_returns_the_decision_of_the_pairs_language(tmp_path):
    model, tokenizer = build_model("bert")
    first = parse_marked_text(RIVER)
    second = parse_marked_text(MONEY)
    vectors = model.encode([first, second], tokenizer).double()
    cosine = float(F.cosine_similarity(vectors[0], vectors[1], dim=0))
    assert model.similarity(first, second, tokenizer) == {"score": pytest.approx(cosine, abs=1e-12)}
    model.config.decision_thresholds = check_decision_thresholds(
        {
            **THRESHOLDS,
            "languages": {"en": {**THRESHOLDS["languages"]["en"], "threshold": cosine + 0.01}},
            "default": {**THRESHOLDS["default"], "threshold": cosine - 0.01},
        }
    )
    en = {"lang": "en"}
    english = model.similarity({**as_item(first), **en}, {**as_item(second), **en}, tokenizer)
    assert english == {
        "score": pytest.approx(cosine, abs=1e-12),
        "same_sense": False,
        "threshold": cosine + 0.01,
    }
    mixed = model.similarity(
        [(first.text, *first.spans[0], "en"), (first.text, *first.spans[0])],
        [(second.text, *second.spans[0], "fr"), (second.text, *second.spans[0])],
        tokenizer,
    )
    assert [(r["same_sense"], r["threshold"]) for r in mixed] == [(True, cosine - 0.01)] * 2
    with pytest.raises(
        ValueError, match=r"^similarity needs two equally long lists of targets, got 2 and 1$"
    ):
        model.similarity([first, first], [second], tokenizer)


def test_pipeline_decisions_equal_the_evaluations_on_a_tiny_task(tmp_path):
    """Thresholds tuned by ``evaluate`` and stored in config.json: the reloaded model's pipeline
    judges every pair of the tuning data as the evaluation did (same cosine, same threshold), so
    its accuracy is the stored dev accuracy."""
    data = tmp_path / "data"
    files = {lang: write_tiny_task(data, lang) for lang in ("en", "fr")}
    model, tokenizer = build_model("bert", seed=2)
    folder = tmp_path / "model"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    report = evaluate(
        model, tokenizer, ["mcl-wic-dev-en", "mcl-wic-dev-fr"], data_dir=data, show_progress=False
    )
    stored = store_decision_thresholds(folder, report, date=DATE)
    assert stored["default"] == {
        **stored["languages"]["en"],
        "transferred": True,
    }, "English MCL-WiC dev is the transferred default"
    reloaded = WicDistillModel.from_pretrained(folder)
    assert reloaded.config.decision_thresholds == stored
    pipe = pipeline(TASK, model=reloaded, tokenizer=tokenizer)
    context = EvalContext(model=model, tokenizer=tokenizer, roots=DataRoots(data))
    for lang, path in files.items():
        task = report["tasks"][f"mcl-wic-dev-{lang}"]
        threshold = task["rows"]["meaning"]["threshold"]
        assert stored["languages"][lang] == {
            "threshold": threshold,
            "dev_set": f"mcl-wic-dev {lang}-{lang}",
            "accuracy": round(task["rows"]["meaning"]["score"] / 100, 4),
            "pairs": len(TINY_TASKS[lang]),
        }
        pairs = load_mcl_wic(path)
        (scored,) = pair_cosines(context, [pairs])
        answers = pipe([{"pair": [as_item(p.first), as_item(p.second)]} for p in pairs.pairs])
        assert [a["threshold"] for a in answers] == [threshold] * len(pairs.pairs)
        assert [a["score"] for a in answers] == pytest.approx(scored.cosines["meaning"].tolist(), abs=1e-6)
        decisions = np.array([a["same_sense"] for a in answers])
        assert decisions.tolist() == (scored.cosines["meaning"] >= threshold).tolist()
        accuracy = float((decisions == scored.gold.astype(bool)).mean())
        assert accuracy == pytest.approx(task["rows"]["meaning"]["score"] / 100)
        assert 0 < decisions.sum() or accuracy < 1  # the threshold was tuned, not degenerate by accident
        direct = reloaded.similarity(
            [p.first for p in pairs.pairs], [p.second for p in pairs.pairs], tokenizer
        )
        assert [d["same_sense"] for d in direct] == decisions.tolist()
    crosslingual = load_mcl_wic(files["en"]).pairs[0].first, load_mcl_wic(files["fr"]).pairs[0].first
    answer = pipe({"pair": [as_item(t) for t in crosslingual]})
    assert answer["threshold"] == stored["default"]["threshold"]


def test_thresholds_from_the_fixture_report_prefer_held_out_tuning_and_english_mcl_wic():
    model, tokenizer = build_model("bert")
    tasks = ["wic", "mcl-wic-dev-en", "mcl-wic-dev-zh", "am2ico-dev-zh", "mcl-wic-test-en-zh", "scws"]
    report = evaluate(model, tokenizer, tasks, data_dir=FIXTURES, show_progress=False)
    stored = decision_thresholds(report, output="context", date=DATE)
    assert stored["output"] == "context" and stored["date"] == DATE
    rows = {name: report["tasks"][name]["rows"]["context"] for name in tasks}
    # en: WiC dev at the threshold tuned on WiC train (held-out accuracy) beats MCL-WiC dev en-en tuned on itself
    assert stored["languages"]["en"] == {
        "threshold": rows["wic"]["threshold"],
        "dev_set": "wic-dev",
        "accuracy": round(rows["wic"]["score"] / 100, 4),
        "pairs": report["tasks"]["wic"]["n_pairs"],
    }
    assert stored["languages"]["zh"]["threshold"] == rows["mcl-wic-dev-zh"]["threshold"]
    assert sorted(stored["languages"]) == ["en", "zh"], "crosslingual and test tasks give no threshold"
    assert stored["default"] == {
        "threshold": rows["mcl-wic-dev-en"]["threshold"],
        "dev_set": "mcl-wic-dev en-en",
        "accuracy": round(rows["mcl-wic-dev-en"]["score"] / 100, 4),
        "pairs": report["tasks"]["mcl-wic-dev-en"]["n_pairs"],
        "transferred": True,
    }
    without = {
        **report,
        "tasks": {k: v for k, v in report["tasks"].items() if k in ("am2ico-dev-zh", "scws")},
    }
    with pytest.raises(
        ValueError, match=r"^no same-language binary dev task .* \(tasks: am2ico-dev-zh, scws\)"
    ):
        decision_thresholds(without)


def test_store_refuses_a_folder_that_is_not_a_wicdistill_model(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ValueError, match=r"config.json is a 'bert' config, not a wicdistill model's"):
        store_decision_thresholds(tmp_path, {"tasks": {}})
    with pytest.raises(FileNotFoundError, match=r"no config.json\) to store thresholds in$"):
        store_decision_thresholds(tmp_path / "missing", {"tasks": {}})


def test_an_outsider_gets_the_stored_decisions_from_an_export(saved_bert, tmp_path):
    """Export, then remote code in a clean process: model.similarity, the pipeline and handler.py
    answer with the stored thresholds, equal to the in-process model."""
    from wicdistill.hub import CardData, export_model

    model_dir = tmp_path / "model"
    shutil.copytree(saved_bert, model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    config["decision_thresholds"] = THRESHOLDS
    (model_dir / "config.json").write_text(json.dumps(config))
    card = CardData(
        model_id="org/wic-tiny", language=["en"], license="apache-2.0", encoder_id="org/tiny-bert"
    )
    folder = export_model(model_dir, tmp_path / "export", card)
    pairs = [
        [{"text": "He sat on the [[bank]] of the river.", "lang": "en"}, {"text": MONEY, "lang": "en"}],
        [{"text": "He sat on the [[bank]] of the river.", "lang": "en"}, {"text": MONEY, "lang": "fr"}],
    ]
    out_file = tmp_path / "answers.json"
    result = run_isolated(
        f"""
        import importlib.util, json, sys
        from transformers import AutoModel, AutoTokenizer, pipeline
        folder = {str(folder)!r}
        model = AutoModel.from_pretrained(folder, trust_remote_code=True)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        pipe = pipeline(model=folder, trust_remote_code=True)
        spec = importlib.util.spec_from_file_location("handler", folder + "/handler.py")
        handler_module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(handler_module)
        handler = handler_module.EndpointHandler(folder)
        pairs = {pairs!r}
        answers = {{
            "stored": model.config.decision_thresholds,
            "similarity": model.similarity((RIVER := "He sat on the bank of the river.", 14, 18, "en"),
                                           (RIVER, 14, 18, "fr"), tokenizer),
            "pipeline": pipe([{{"pair": p}} for p in pairs]),
            "tuple": pipe(({RIVER!r}, {MONEY!r})),
            "handler": handler({{"inputs": {{"pair": pairs[0]}}}}),
            "leaked": sorted(m for m in sys.modules if m.startswith("wicdistill")),
        }}
        with open({str(out_file)!r}, "w") as handle:
            json.dump(answers, handle)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = json.loads(out_file.read_text())
    assert remote["leaked"] == []
    assert remote["stored"] == THRESHOLDS
    local = WicDistillModel.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    pipe = pipeline(TASK, model=local, tokenizer=tokenizer)
    river = ("He sat on the bank of the river.", 14, 18)
    assert remote["similarity"] == local.similarity((*river, "en"), (*river, "fr"), tokenizer)
    assert remote["similarity"]["threshold"] == THRESHOLDS["default"]["threshold"]
    assert remote["pipeline"] == pipe([{"pair": p} for p in pairs])
    assert [a["threshold"] for a in remote["pipeline"]] == [0.5, 0.6]  # en-en, then en-fr: the default
    assert remote["tuple"] == pipe((RIVER, MONEY)) and remote["tuple"]["threshold"] == 0.6
    assert remote["handler"] == pipe({"pair": pairs[0]})
