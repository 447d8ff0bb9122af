"""Recipe and --config loading: the model: section, the deprecated flat keys, one home per setting."""

import warnings

import pytest

from wicdistill import recipe_loading
from wicdistill.recipe_loading import parse_config, training_options
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
