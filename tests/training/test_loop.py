import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, training_config
from safetensors.torch import load_file
from triples import triple_dataset, triple_dataset_from

from wicdistill import WicDistillModel
from wicdistill.recipe_loading import parse_config
from wicdistill.training.config import TrainingConfig
from wicdistill.training.loop import train
from wicdistill.training.records import split_records

pytestmark = pytest.mark.usefixtures("fresh_accelerate_state")


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    triple_dataset(96, crosslingual_every=3).to_json(str(path))
    return path


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path / "model.safetensors"))


def test_two_step_run_exports_a_loadable_model(encoder_dir, corpus_file, tmp_path):
    summary = train(training_config(encoder_dir, corpus_file, tmp_path, max_steps=2, report_to="tensorboard"))
    assert summary["training"]["steps"] == 2
    assert list((tmp_path / "logs").rglob("events.out.tfevents.*")), "no TensorBoard event file"
    assert summary["schema"] == "wicdistill.training/1"
    assert summary["hyperparameters"]["mixed_precision"] == "no"
    assert summary["corpus"]["setting"] == "mixed"
    assert summary["corpus"]["train_records"] + summary["corpus"]["validation_records"] == 96
    saved = json.loads((tmp_path / "training_summary.json").read_text())
    assert saved["training"]["loss_curve"][-1]["step"] == 2
    assert "validation_loss" in saved["training"]["loss_curve"][-1]
    model = WicDistillModel.from_pretrained(tmp_path)
    from transformers import AutoTokenizer

    vectors = model.encode([("He sat on the bank.", 14, 18)], AutoTokenizer.from_pretrained(tmp_path))
    assert vectors.shape == (1, 32)
    initial = WicDistillModel.from_encoder_pretrained(str(encoder_dir))
    for key, value in initial.encoder.state_dict().items():
        assert torch.equal(model.encoder.state_dict()[key], value), f"encoder changed: {key}"


def test_losses_read_back_in_groups_still_log_every_step(encoder_dir, corpus_file, tmp_path):
    """Train losses stay on the device for up to LOSS_READ_EVERY steps; none may be lost or shifted."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from wicdistill.training.loop import LOSS_READ_EVERY

    steps = LOSS_READ_EVERY + 5
    summary = train(
        training_config(
            encoder_dir,
            corpus_file,
            tmp_path,
            max_steps=steps,
            max_epochs=100,
            eval_every=10**6,
            report_to="tensorboard",
        )
    )
    curve = summary["training"]["loss_curve"]
    assert [p["step"] for p in curve] == list(range(1, steps + 1))
    assert all(isinstance(p["train_loss"], float) and np.isfinite(p["train_loss"]) for p in curve)
    assert [p["step"] for p in curve if "validation_loss" in p] == [steps]
    logged = [
        event
        for path in (tmp_path / "logs").rglob("events.out.tfevents.*")
        for accumulator in [EventAccumulator(str(path)).Reload()]
        if "train/train_loss" in accumulator.Tags()["scalars"]
        for event in accumulator.Scalars("train/train_loss")
    ]
    assert [e.step for e in logged] == list(range(1, steps + 1))
    np.testing.assert_allclose([e.value for e in logged], [p["train_loss"] for p in curve], rtol=1e-6)


def test_kill_and_resume_matches_an_uninterrupted_run_bitwise(encoder_dir, corpus_file, tmp_path):
    straight = train(training_config(encoder_dir, corpus_file, tmp_path / "straight", checkpoint_every=3))

    def crash(state):
        if state.global_step == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(
            training_config(encoder_dir, corpus_file, tmp_path / "resumed", checkpoint_every=3),
            callbacks=[crash],
        )
    assert (tmp_path / "resumed" / "checkpoints" / "step-00000003" / "trainer_done").exists()
    resumed = train(
        training_config(
            encoder_dir,
            corpus_file,
            tmp_path / "resumed",
            checkpoint_every=3,
            resume_from_checkpoint="latest",
        )
    )
    assert resumed["training"]["loss_curve"] == straight["training"]["loss_curve"]
    a, b = _weights(tmp_path / "straight"), _weights(tmp_path / "resumed")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_cached_and_on_the_fly_training_follow_the_same_loss_curve(encoder_dir, corpus_file, tmp_path):
    """Tolerance: 1% relative per logged loss (the cache stores float16 stacks)."""
    cached = train(training_config(encoder_dir, corpus_file, tmp_path / "cached"))
    live = train(training_config(encoder_dir, corpus_file, tmp_path / "live", on_the_fly=True))
    assert not (tmp_path / "live" / "features").exists()
    for a, b in zip(cached["training"]["loss_curve"], live["training"]["loss_curve"], strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-2)
        if "validation_loss" in a:
            assert a["validation_loss"] == pytest.approx(b["validation_loss"], rel=1e-2)
    assert cached["training"]["loss_curve"][0]["train_loss"] != pytest.approx(
        cached["training"]["loss_curve"][-1]["train_loss"], rel=1e-3
    )


def test_early_stopping_keeps_the_best_checkpoint(encoder_dir, corpus_file, tmp_path):
    summary = train(
        training_config(
            encoder_dir, corpus_file, tmp_path, learning_rate=0.5, max_steps=40, eval_every=1, patience=2
        )
    )
    training = summary["training"]
    assert training["stopped_early"] is True
    assert training["steps"] < 40
    checks = [p["validation_loss"] for p in training["loss_curve"] if "validation_loss" in p]
    assert training["best_validation_loss"] == min(checks)
    assert checks[-2:] >= [training["best_validation_loss"]] * 2


def test_gradient_accumulation_counts_optimizer_steps(encoder_dir, corpus_file, tmp_path):
    summary = train(
        training_config(
            encoder_dir, corpus_file, tmp_path, batch_size=4, gradient_accumulation_steps=2, max_steps=3
        )
    )
    assert summary["training"]["steps"] == 3
    assert summary["hyperparameters"]["gradient_accumulation_steps"] == 2


def test_lora_adapters_train_and_round_trip(encoder_dir, corpus_file, tmp_path):
    pytest.importorskip("peft")
    from peft import PeftModel

    train(
        training_config(
            encoder_dir,
            corpus_file,
            tmp_path,
            on_the_fly=True,
            use_lora=True,
            max_steps=3,
            learning_rate=1e-2,
        )
    )
    adapter = tmp_path / "adapter"
    assert (adapter / "adapter_config.json").exists()
    merged = WicDistillModel.from_pretrained(tmp_path)
    base = WicDistillModel.from_encoder_pretrained(str(encoder_dir))
    changed = [
        k for k, v in base.encoder.state_dict().items() if not torch.equal(merged.encoder.state_dict()[k], v)
    ]
    assert changed and all(("query" in k or "value" in k) for k in changed)
    reloaded = PeftModel.from_pretrained(
        WicDistillModel.from_encoder_pretrained(str(encoder_dir)), adapter
    ).eval()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    items = [("He sat on the bank of the river.", 14, 18), ("A bank in Zurich.", 2, 6)]
    expected = merged.encode(items, tokenizer)
    actual = reloaded.base_model.model.encode(items, tokenizer)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


def test_too_small_corpus_and_bad_options_are_clear(encoder_dir, tmp_path):
    one = tmp_path / "one.jsonl"
    triple_dataset(1).to_json(str(one))
    with pytest.raises(ValueError, match=r"the corpus has 1 record\(s\); training needs at least 2"):
        train(training_config(encoder_dir, one, tmp_path / "out"))
    with pytest.raises(ValueError, match="use_lora changes the encoder"):
        training_config(encoder_dir, one, tmp_path, use_lora=True).validate()
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        training_config(encoder_dir, one, tmp_path, batch_size=0).validate()
    with pytest.raises(ValueError, match="a corpus is required"):
        TrainingConfig().validate()


def test_split_keeps_source_pairs_together():
    groups = [f"pair{i // 3}" for i in range(300)]
    train_ids, val_ids = split_records(groups, 0.1, seed=0)
    assert len(train_ids) + len(val_ids) == 300
    assert not {groups[i] for i in train_ids} & {groups[i] for i in val_ids}
    assert 0.03 < len(val_ids) / 300 < 0.2
    assert split_records(groups, 0.1, seed=0)[1].tolist() == val_ids.tolist()


def test_yaml_options_and_flags(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("corpus: c.jsonl\nbatch_size: 32\nlayers: [4, 5, 6]\nuse_negatives: false\n")
    config = parse_config(
        ["--config", str(config_file), "--batch_size", "16", "--evaluate_tasks", "wic,scws"]
    )
    assert config.batch_size == 16
    assert config.layers == [4, 5, 6]
    assert config.use_negatives is False
    assert config.evaluate_tasks == ["wic", "scws"]
    assert config.mixed_precision is None
    config_file.write_text("corpus: c.jsonl\nbatchsize: 32\n")
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['batchsize'\]"):
        parse_config(["--config", str(config_file)])


def test_accelerate_launch_honours_bf16(encoder_dir, corpus_file, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "1",
        "--num_machines", "1", "--mixed_precision", "bf16", "--dynamo_backend", "no",
        str(REPO_ROOT / "train_accelerate.py"),
        "--corpus", str(corpus_file), "--encoder", str(encoder_dir), "--output_dir", str(tmp_path),
        "--max_steps", "2", "--batch_size", "8", "--report_to", "none", "--show_progress", "false",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "training_summary.json").read_text())
    assert summary["hyperparameters"]["mixed_precision"] == "bf16"
    assert summary["training"]["steps"] == 2


def test_push_to_hub_at_the_end_uploads_the_export(encoder_dir, corpus_file, tmp_path, monkeypatch):
    from hub.test_push import RecordingApi

    from wicdistill.hub import push as push_module

    api = RecordingApi()
    monkeypatch.setattr(push_module, "HfApi", lambda: api)
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    summary = train(
        training_config(encoder_dir, corpus_file, tmp_path, max_steps=2, push_to_hub="org/wic-distill-tiny")
    )
    names = [call[0] for call in api.calls]
    assert names == ["create_repo", "upload_folder"]
    assert {"config.json", "model.safetensors", "README.md", "handler.py", "training_summary.json"} <= set(
        api.uploaded
    )
    assert "org/wic-distill-tiny" in api.card
    assert "pushed" in summary
    card = (tmp_path / "README.md").read_text()
    assert "org/wic-distill-tiny" in card


def test_max_train_records_subsamples_the_training_split_only(encoder_dir, corpus_file, tmp_path):
    full = train(training_config(encoder_dir, corpus_file, tmp_path / "full", max_steps=1))
    small = train(
        training_config(encoder_dir, corpus_file, tmp_path / "small", max_steps=1, max_train_records=20)
    )
    assert small["corpus"]["train_records"] == 20
    assert small["corpus"]["validation_records"] == full["corpus"]["validation_records"]


def test_drop_identical_positives_keeps_only_other_words(encoder_dir, tmp_path):
    from triples import _span, triple_records

    records = triple_records(96, crosslingual_every=3)
    for i, record in enumerate(records):
        if i % 4 == 0:  # a translation that is another word, with its span
            record["positive"] = {**_span("Le {} est au bord du fleuve.", "rivage"), "lang": "fr"}
        if i == 1:  # same word, other case: still identical
            text = record["positive"]["text"]
            s, e = record["positive"]["start"], record["positive"]["end"]
            record["positive"]["text"] = text[:s] + text[s:e].upper() + text[e:]
    path = tmp_path / "corpus.jsonl"
    triple_dataset_from(records).to_json(str(path))
    train_ids, val_ids = split_records([r["pair_id"] for r in records], 0.05, seed=7)
    expected = sum(1 for i in train_ids if i % 4 == 0)
    summary = train(
        training_config(encoder_dir, path, tmp_path / "run", max_steps=1, drop_identical_positives=True)
    )
    assert summary["corpus"]["train_records"] == expected
    assert summary["corpus"]["validation_records"] == len(val_ids)
    for i in (0, 1):
        records[i]["positive"] = dict(records[i]["anchor"])
    none_left = [r for i, r in enumerate(records) if i % 4 != 0 or i < 2]
    triple_dataset_from(none_left).to_json(str(path))
    with pytest.raises(ValueError, match="drop_identical_positives left no training record"):
        train(
            training_config(encoder_dir, path, tmp_path / "none", max_steps=1, drop_identical_positives=True)
        )


def test_recipe_train_section_feeds_train_accelerate(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "output_dir: runs/en\n"
        "corpus: {inputs: [bundled], encoder: all-MiniLM-L6-v2, negative_strategy: embedding}\n"
        "train: {learning_rate: 0.0003, layers: [4, 5, 6]}\n"
        "evaluate: {tasks: [wic]}\n"
    )
    config = parse_config(["--config", str(recipe), "--batch_size", "32"])
    assert config.corpus == str(tmp_path / "runs/en/corpus")  # relative to the recipe's folder
    assert config.output_dir == str(tmp_path / "runs/en/model")
    assert config.features_dir == str(tmp_path / "runs/en/features")
    assert config.encoder == "all-MiniLM-L6-v2"
    assert config.learning_rate == 3e-4 and config.batch_size == 32 and config.layers == [4, 5, 6]
    recipe.write_text("output_dir: x\ntrain: {}\nextra: 1\n")
    with pytest.raises(ValueError, match=r"unknown recipe key\(s\) \['extra'\]"):
        parse_config(["--config", str(recipe)])


def test_language_centering_is_fitted_after_training(encoder_dir, corpus_file, tmp_path):
    summary = train(training_config(encoder_dir, corpus_file, tmp_path, max_steps=2, language_centering=True))
    assert summary["distiller"]["centering_languages"] == ["en", "fr"]
    model = WicDistillModel.from_pretrained(tmp_path)
    means = model.centering.means
    assert means.shape == (3, 32)
    assert means.abs().sum(dim=1).min() > 0
    assert not torch.equal(means[0], means[1])


def test_global_centering_keeps_the_all_language_mean_only(encoder_dir, corpus_file, tmp_path):
    """The global centre is the last row of per-language centring fitted on the same run."""
    per_language = train(
        training_config(encoder_dir, corpus_file, tmp_path / "lang", max_steps=2, language_centering=True)
    )
    summary = train(
        training_config(encoder_dir, corpus_file, tmp_path / "all", max_steps=2, global_centering=True)
    )
    assert per_language["distiller"]["centering_languages"] == ["en", "fr"]
    assert summary["distiller"]["centering_languages"] == []
    means = WicDistillModel.from_pretrained(tmp_path / "all").centering.means
    assert means.shape == (1, 32) and means.abs().sum() > 0
    torch.testing.assert_close(
        means[0], WicDistillModel.from_pretrained(tmp_path / "lang").centering.means[-1]
    )
    with pytest.raises(ValueError, match="language_centering and global_centering are alternatives"):
        training_config(
            encoder_dir, corpus_file, tmp_path, language_centering=True, global_centering=True
        ).validate()


def test_summary_records_the_meaning_head_mix_and_negative_term(encoder_dir, corpus_file, tmp_path):
    default = train(training_config(encoder_dir, corpus_file, tmp_path / "default", max_steps=1))
    assert {k: default["distiller"][k] for k in ("meaning_head", "meaning_mix", "negative_term")} == {
        "meaning_head": "distilled",
        "meaning_mix": 0.0,
        "negative_term": "paper",
    }
    options = {"meaning_head": "residual", "negative_term": "dissimilarity_weighted"}
    summary = train(
        training_config(encoder_dir, corpus_file, tmp_path / "options", max_steps=1, model=options)
    )
    saved = json.loads((tmp_path / "options" / "training_summary.json").read_text())
    for distiller in (summary["distiller"], saved["distiller"]):
        assert {k: distiller[k] for k in ("meaning_head", "meaning_mix", "negative_term")} == {
            **options,
            "meaning_mix": 0.0,
        }


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_recipes_build_valid_configs(path, tmp_path, monkeypatch):
    """Every recipe in configs/ parses into corpus, training and evaluation settings."""
    monkeypatch.setenv("WICDISTILL_SHARED_DATA", str(tmp_path))
    from wicdistill.corpus import CorpusConfig
    from wicdistill.evaluation.tasks import resolve_tasks
    from wicdistill.recipe import load_recipe

    recipe = load_recipe(path)
    CorpusConfig(**recipe.corpus)
    config = TrainingConfig(**recipe.training_values())
    assert config.corpus == str(recipe.output_dir / "corpus")
    offset = ["ar", "fr"] if recipe.evaluate.get("heldout") else []
    assert resolve_tasks(recipe.evaluate["tasks"], offset_languages=offset)


def test_evaluation_after_training_finds_the_corpus_heldout_records(encoder_dir, corpus_file, tmp_path):
    fixtures = Path(__file__).parents[1] / "fixtures" / "eval"
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "train.jsonl").write_bytes(corpus_file.read_bytes())
    triple_dataset(96, crosslingual_every=3).save_to_disk(str(corpus_dir / "train"))  # the builder's layout
    options = dict(evaluate_tasks=["offset-zh"], eval_data_dir=str(fixtures), max_steps=2)
    train(training_config(encoder_dir, corpus_dir / "train.jsonl", tmp_path / "without", **options))
    assert not (tmp_path / "without" / "evaluation.json").exists()  # no held-back file: skipped
    (corpus_dir / "heldout.jsonl").write_bytes((fixtures / "corpus" / "heldout.jsonl").read_bytes())
    for corpus in (corpus_dir / "train.jsonl", corpus_dir):
        out = tmp_path / f"with-{corpus.name}"
        train(training_config(encoder_dir, corpus, out, **options))
        offset = json.loads((out / "evaluation.json").read_text())["tasks"]["offset-zh"]
        assert (offset["translations"], offset["n_pairs"]) == ("heldout.jsonl", 2)


def test_a_non_finite_loss_stops_training_naming_the_step_before_anything_is_saved(
    encoder_dir, corpus_file, tmp_path, monkeypatch
):
    from wicdistill.training.loop import Trainer

    real, calls = Trainer.run_batch, []

    def nan_from_the_third_training_batch(self, batch):
        out = real(self, batch)
        if self.module.training:
            calls.append(1)
            if len(calls) >= 3:
                out.loss = out.loss * float("nan")
        return out

    monkeypatch.setattr(Trainer, "run_batch", nan_from_the_third_training_batch)
    with pytest.raises(FloatingPointError, match=r"training loss became nan at step 3 \(epoch 0, batch 2\)"):
        train(training_config(encoder_dir, corpus_file, tmp_path, max_steps=6))
    assert not (tmp_path / "model.safetensors").exists()
    assert not (tmp_path / "training_summary.json").exists()
