"""``meaning_mix`` fitted on dev tasks (``fit_meaning_mix``, ``wicdistill fit-mix``), centring of a
mixed meaning vector, and the SCWS shared-context probe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import build_model

from wicdistill import WicDistillModel
from wicdistill.cli import main as cli_main
from wicdistill.evaluation import evaluate
from wicdistill.evaluation.loaders import load_scws, load_scws_shared_context
from wicdistill.evaluation.protocols.meaning_mix import MIX_GRID, fit_meaning_mix, ranking_score

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eval"


def test_a_centred_mixed_meaning_loses_exactly_its_own_mean_for_every_weight():
    model, _ = build_model("xlmr", centering_languages=["en"])
    g = torch.Generator().manual_seed(3)
    stacks = torch.randn(40, model.config.num_selected_layers, model.config.hidden_size, generator=g) + 2.0
    langs = ["en"] * 25 + ["fr"] * 15
    with torch.no_grad():
        meaning, baseline = model.unmixed_meaning(stacks)
        model.fit_meaning_centers(meaning, langs, baseline=baseline)
        for weight in (0.0, 0.3, 1.0):
            model.set_meaning_mix(weight)
            centred = model.center_meaning(model.distill(stacks).meaning, langs)
            # en targets lose the en mean of their own mixed vectors: they average to zero
            assert torch.allclose(centred[:25].mean(0), torch.zeros(32), atol=1e-5)
            # fr is no trained language: it loses the mean over all targets, mixed alike
            expected = (1 - weight) * meaning[25:] + weight * baseline[25:]
            expected = expected - ((1 - weight) * meaning.mean(0) + weight * baseline.mean(0))
            torch.testing.assert_close(centred[25:], expected, atol=1e-5, rtol=1e-5)
    assert model.centering.baseline_means[0].tolist() == pytest.approx(
        baseline[:25].mean(0).tolist(), abs=1e-5
    )


def test_centres_fitted_without_baselines_leave_the_baseline_part_uncentred():
    model, _ = build_model("xlmr", centering_languages=[])
    model.fit_meaning_centers(torch.full((2, 32), 3.0), ["", ""])
    assert model.centering.baseline_means.abs().sum().item() == 0
    with pytest.raises(ValueError, match=r"baseline has shape \(1, 32\), meaning \(2, 32\)"):
        model.fit_meaning_centers(torch.ones(2, 32), ["", ""], baseline=torch.ones(1, 32))


def test_fit_picks_the_best_weight_and_a_full_mix_scores_as_the_raw_baseline(tmp_path):
    model, tokenizer = build_model("bert")
    fit = fit_meaning_mix(
        model, tokenizer, "wic,scws", data_dir=FIXTURES, show_progress=False, stack_cache=tmp_path / "stacks"
    )
    scores = fit["mean_ranking_score"]
    assert list(scores) == list(MIX_GRID) and fit["tasks"] == ["scws", "wic"]
    assert scores[fit["weight"]] == max(scores.values())
    assert fit["weight"] == min(w for w, s in scores.items() if s == max(scores.values()))
    assert model.config.meaning_mix == fit["weight"]
    # w = 1 is the raw layer mean itself (no centring here): it ranks exactly as the baseline row
    assert scores[1.0] == pytest.approx(fit["baseline_mean_ranking_score"], abs=1e-9)
    model.set_meaning_mix(0.4)
    report = evaluate(model, tokenizer, "wic,scws", data_dir=FIXTURES, show_progress=False)
    mean = (ranking_score(report["tasks"]["wic"]) + ranking_score(report["tasks"]["scws"])) / 2
    assert mean == pytest.approx(scores[0.4], abs=1e-9)


def test_cli_stores_the_fitted_weight_and_drops_stale_thresholds(saved_bert, tmp_path, capsys):
    model_dir = tmp_path / "model"
    WicDistillModel.from_pretrained(saved_bert).save_pretrained(model_dir)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if (saved_bert / name).is_file():
            (model_dir / name).write_bytes((saved_bert / name).read_bytes())
    data = ["--data-dir", str(FIXTURES), "--no-progress"]
    assert cli_main(["evaluate", str(model_dir), "--tasks", "wic", *data, "--store-thresholds"]) == 0
    thresholds = json.loads((model_dir / "config.json").read_text())["decision_thresholds"]
    assert thresholds["languages"]["en"]["dev_set"]
    args = ["fit-mix", str(model_dir), "--tasks", "wic", *data]
    assert cli_main([*args, "--grid", "0,0.5,1", "--dry-run"]) == 0
    assert "dry run: nothing stored" in capsys.readouterr().out
    assert json.loads((model_dir / "config.json").read_text())["decision_thresholds"] == thresholds
    assert cli_main([*args, "--grid", "0,0.5,1"]) == 0
    out = capsys.readouterr().out
    stored = json.loads((model_dir / "config.json").read_text())
    fit = json.loads((model_dir / "meaning_mix_fit.json").read_text())
    assert stored["meaning_mix"] == fit["weight"] and fit["fitted_on"] == "wic"
    assert stored["decision_thresholds"] is None
    assert f"stored meaning_mix {fit['weight']}" in out
    assert WicDistillModel.from_pretrained(model_dir).config.meaning_mix == fit["weight"]


@pytest.mark.parametrize(
    ("grid", "code", "message"),
    [
        ("0,x", 2, "expected comma-separated numbers in [0, 1], got '0,x'"),
        ("0,1.5", 1, "meaning_mix must be a number in [0, 1] (0 = pure meaning), got 1.5"),
    ],
)
def test_cli_refuses_a_bad_grid_naming_it(saved_bert, capsys, grid, code, message):
    args = ["fit-mix", str(saved_bert), "--tasks", "wic", "--data-dir", str(FIXTURES), "--no-progress"]
    assert cli_main([*args, "--grid", grid]) == code
    assert message in capsys.readouterr().err


def test_the_shared_context_probe_puts_each_word_in_the_others_sentence():
    path = FIXTURES / "scws" / "scws.txt"
    original = load_scws(path)
    shared = load_scws_shared_context(path)
    # fixture: bank/river, bank/bank (same form: left out), plant/play, one unlocatable pair
    assert shared.n_total == 2 * original.n_total
    words = [
        (p.first.text[slice(*p.first.spans[0])], p.second.text[slice(*p.second.spans[0])])
        for p in shared.pairs
    ]
    assert words == [("bank", "river"), ("river", "bank"), ("plant", "play"), ("play", "plant")]
    first = shared.pairs[0]
    assert first.second.text == "He sat on the river of the river ." and first.gold == 3.5
    assert first.first.text == first.second.text.replace("river of", "bank of")
    assert {p.first.lang for p in shared.pairs} == {"en"}


def test_scws_shared_is_a_graded_task_of_the_suite():
    model, tokenizer = build_model("bert")
    entry = evaluate(model, tokenizer, "scws-shared", data_dir=FIXTURES, show_progress=False)["tasks"][
        "scws-shared"
    ]
    assert (entry["dataset"], entry["split"], entry["metric"], entry["n_pairs"]) == (
        "SCWS",
        "shared-context",
        "spearman",
        4,
    )
