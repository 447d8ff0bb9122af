"""Recipe and --config loading: the model: section, the deprecated flat keys, one home per setting."""

import warnings

import pytest

from wicdistill import recipe_loading
from wicdistill.cli import main
from wicdistill.recipe_loading import coerce, load_recipe, parse_config, training_options
from wicdistill.training.config import CORPUS_LANGUAGES, TrainingConfig


def test_model_section_reaches_the_config_and_flags_override_it(tmp_path):
    config_file = tmp_path / "run.yaml"
    config_file.write_text("corpus: c.jsonl\nmodel: {alignment_weight: 0.5, layers: [4, 5]}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a model: section is the current form: no warning
        config = parse_config(["--config", str(config_file), "--alignment_weight", "2"])
    assert config.model == {"alignment_weight": 2.0, "layers": [4, 5]}
    assert config.alignment_weight == 2.0 and config.layers == [4, 5]


def test_flat_model_keys_warn_once_and_fold_into_model(tmp_path, monkeypatch):
    monkeypatch.setattr(recipe_loading, "_warned_flat_keys", False)
    with pytest.warns(
        FutureWarning, match=r"\['alignment_weight', 'global_centering'\] as top-level training options"
    ):
        first = training_options({"alignment_weight": 1.0, "global_centering": True}, "a.yaml")
    assert first["model"] == {"alignment_weight": 1.0, "centering_languages": []}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        training_options({"form_consistency_weight": 3.0}, "b.yaml")


def test_flat_keyword_arguments_still_build_a_config():
    config = TrainingConfig(corpus="c", alignment_weight=0.5, language_centering=True)
    assert config.model == {"alignment_weight": 0.5, "centering_languages": CORPUS_LANGUAGES}
    assert config.language_centering is True and config.global_centering is False
    assert "alignment_weight" not in config.to_dict() and config.to_dict()["model"] == config.model
    assert TrainingConfig().form_consistency_weight == 0.0  # the model's own default


def test_bad_model_settings_are_named():
    with pytest.raises(ValueError, match=r"unknown model setting\(s\) \['learning_rate'\]"):
        TrainingConfig(model={"learning_rate": 1.0})
    with pytest.raises(ValueError, match="alignment_weight is given twice"):
        TrainingConfig(alignment_weight=1.0, model={"alignment_weight": 2.0})
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['batchsize'\]"):
        training_options({"batchsize": 3}, "c.yaml")


def test_recipe_module_does_not_import_back_from_training():
    import ast
    from pathlib import Path

    import wicdistill.training.config as config_module

    for path in Path(config_module.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert "recipe" not in node.module, f"{path.name} imports {node.module}"


# --- every section checked up front (issue 24) ---------------------------------------------------


@pytest.fixture
def no_stage_runs(monkeypatch):
    """Stand-ins for the corpus and training stages that record whether they were reached."""
    import wicdistill.corpus
    import wicdistill.training.loop

    calls: list[tuple[str, object]] = []

    def fake_train(config):
        calls.append(("train", config))
        return {"training": {"steps": 0}}

    monkeypatch.setattr(wicdistill.corpus, "build_corpus", lambda *a, **k: calls.append(("corpus", a)))
    monkeypatch.setattr(wicdistill.training.loop, "train", fake_train)
    return calls


def _recipe(tmp_path, text: str):
    path = tmp_path / "recipe.yaml"
    path.write_text("output_dir: out\n" + text)
    return path


def test_a_train_typo_fails_before_the_corpus_stage(tmp_path, no_stage_runs, capsys):
    path = _recipe(
        tmp_path, "corpus: {inputs: [bundled], negative_strategy: embedding}\ntrain: {learning_rat: 0.1}\n"
    )
    assert main(["recipe", str(path)]) == 1
    assert no_stage_runs == []
    assert capsys.readouterr().err == (
        f"wicdistill recipe: error: {path}: train: unknown option(s) ['learning_rat']; "
        "did you mean 'learning_rate'?\n"
    )


def test_a_corpus_typo_is_named_even_when_only_training_runs(tmp_path, no_stage_runs, capsys):
    path = _recipe(tmp_path, "corpus: {inputs: [bundled], negative_stratgy: embedding}\ntrain: {}\n")
    assert main(["recipe", str(path), "--stages", "train"]) == 1
    assert no_stage_runs == []
    assert capsys.readouterr().err == (
        f"wicdistill recipe: error: {path}: corpus: unknown corpus setting(s) ['negative_stratgy']; "
        "did you mean 'negative_strategy'?\n"
    )


def test_a_yaml_string_number_is_coerced_by_recipe_as_by_train_accelerate(tmp_path, no_stage_runs):
    # YAML 1.1 reads 3e-4 (no dot) and quoted numbers as strings
    path = _recipe(
        tmp_path, "train: {learning_rate: 3e-4, max_steps: '20', on_the_fly: 'no', model: {layers: '1,2'}}\n"
    )
    assert main(["recipe", str(path), "--stages", "train"]) == 0
    [(stage, config)] = no_stage_runs
    assert stage == "train" and type(config.learning_rate) is float and config.learning_rate == 3e-4
    assert config.max_steps == 20 and config.on_the_fly is False and config.model == {"layers": [1, 2]}
    flags = parse_config(["--config", str(path)])
    assert (flags.learning_rate, flags.max_steps, flags.model) == (3e-4, 20, {"layers": [1, 2]})


def test_an_unknown_section_names_the_closest(tmp_path, capsys):
    path = _recipe(tmp_path, "evaluation: {tasks: [wic]}\n")
    assert main(["recipe", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"wicdistill recipe: error: {path}: unknown recipe key(s) ['evaluation']; did you mean 'evaluate'?\n"
    )
    path.write_text("output_dir: out\nzzz: 1\n")
    with pytest.raises(ValueError, match=r"unknown recipe key\(s\) \['zzz'\]; valid: corpus, description, "):
        load_recipe(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("train: {batch_size: lots}", "train.batch_size: expected an integer, got 'lots'"),
        (
            "train: {model: {alignment_weight: heavy}}",
            "train.model.alignment_weight: expected a number, got 'heavy'",
        ),
        (
            "train: {model: {alignment_wieght: 1}}",
            "train.model: unknown model setting(s) ['alignment_wieght']; did you mean 'alignment_weight'?",
        ),
        (
            "train: {mixed_precision: no}",
            "train.mixed_precision: expected a string, or null, got False (YAML reads unquoted "
            "yes/no/on/off/true/false as booleans: quote the value)",
        ),
        ("train: {learning_rate: -1}", "train: learning_rate must be > 0, got -1.0"),
        (
            "corpus: {inputs: [bundled], negative_band: [20]}",
            "corpus.negative_band: expected a list of 2 integers, got [20]",
        ),
        (
            "corpus: {inputs: [bundled], targets: {min_word: 3}}",
            "corpus.targets: unknown target rule(s) ['min_word']; did you mean 'min_words'?",
        ),
        ("corpus: {inputs: [bundled], negative_strategy: mlmx}", "corpus: negative_strategy must be one of"),
        ("corpus: {encoder: x}", "corpus.inputs is missing; list at least one input, e.g. [bundled]"),
        ("evaluate: {tasks: [wicc]}", "evaluate.tasks: unknown task 'wicc'. Valid tasks: wic,"),
        ("evaluate: {tasks: [wic, offset]}", "evaluate.tasks has 'offset', which needs evaluate.heldout"),
        ("evaluate: {batch_size: 1.5}", "evaluate.batch_size: expected an integer, got 1.5"),
    ],
    ids=lambda v: v.split(":")[0] if "{" in v else None,
)
def test_bad_values_name_section_key_and_expected_type(tmp_path, text, message):
    path = _recipe(tmp_path, text + "\n")
    with pytest.raises(ValueError) as caught:
        load_recipe(path)
    assert str(caught.value).startswith(f"{path}: {message}") and "\n" not in str(caught.value)


def test_values_are_coerced_to_the_declared_types():
    assert (
        coerce("3e-4", float, "k") == 3e-4 and coerce("1e3", int, "k") == 1000 and coerce(8.0, int, "k") == 8
    )
    assert coerce("4, 5 6", list[int], "k") == [4, 5, 6] and coerce(7, list[int], "k") == [7]
    assert coerce("en,fr", tuple[str, ...], "k") == ("en", "fr") and coerce("", tuple[str, ...], "k") == ()
    assert coerce([20, "200"], tuple[int, int], "k") == (20, 200)
    assert coerce("tatoeba:d:ara,fra", list[str], "k") == ["tatoeba:d:ara,fra"]  # a spec keeps its commas
    assert (
        coerce("Yes", bool, "k") is True
        and coerce(0, bool, "k") is False
        and coerce(None, int | None, "k") is None
    )
    assert (
        coerce(True, bool | str | None, "k") is True
        and coerce("h.jsonl", bool | str | None, "k") == "h.jsonl"
    )
    with pytest.raises(ValueError, match=r"^k: expected an integer, or null, got True$"):
        coerce(True, int | None, "k")
    with pytest.raises(ValueError, match=r"^k: expected a list of integers, got \['4', 'x'\]$"):
        coerce(["4", "x"], list[int], "k")


def test_a_recipe_without_corpus_section_trains_on_its_own_corpus(tmp_path, no_stage_runs, capsys):
    path = _recipe(tmp_path, "train: {corpus: data/c.jsonl}\n")
    assert main(["recipe", str(path)]) == 0
    [(stage, config)] = no_stage_runs
    assert stage == "train" and config.corpus == str(tmp_path / "data" / "c.jsonl")
    assert main(["recipe", str(path), "--stages", "corpus"]) == 1
    assert capsys.readouterr().err.endswith(
        "--stages includes corpus but the recipe has no corpus section; add corpus: {inputs: [...]} or run "
        "--stages train,evaluate\n"
    )


def test_a_recipe_that_stores_thresholds_without_a_dev_source_fails_before_any_stage(
    tmp_path, no_stage_runs, capsys
):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "output_dir: out\ncorpus: {inputs: [bundled]}\ntrain: {}\n"
        "evaluate: {tasks: [scws], store_thresholds: meaning}\n"
    )
    assert main(["recipe", str(recipe)]) == 1
    assert capsys.readouterr().err == (
        f"wicdistill recipe: error: {recipe}: evaluate.store_thresholds: storing thresholds needs a "
        "same-language binary dev task among the tasks ['scws']: add wic or mcl-wic-dev-<x> (e.g. "
        "wic,mcl-wic-dev)\n"
    )
    assert no_stage_runs == []
