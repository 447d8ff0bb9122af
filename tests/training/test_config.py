import json

import pytest
from tiny_models import bert_config, xlmr_config
from transformers import AutoConfig

from wicdistill import WicDistillConfig, upper_half_layers
from wicdistill.configuration_wicdistill import default_num_heads


@pytest.mark.parametrize(
    "n, expected",
    [(24, list(range(13, 25))), (12, list(range(7, 13))), (6, [4, 5, 6]), (4, [3, 4]), (1, [1])],
)
def test_upper_half_matches_design(n, expected):
    assert upper_half_layers(n) == expected


def test_default_config_selects_upper_half_and_eight_heads():
    config = WicDistillConfig(
        encoder=bert_config(100, num_hidden_layers=6, hidden_size=384, num_attention_heads=6)
    )
    assert config.layers == [4, 5, 6]
    assert config.distiller_heads == 8
    assert config.distiller_layers == 1
    assert config.layer_position_embedding is False
    assert config.use_negatives is True


def test_heads_fall_back_to_a_divisor():
    assert default_num_heads(384) == 8
    assert default_num_heads(36) == 6
    assert default_num_heads(7) == 7
    assert default_num_heads(11) == 1
    config = WicDistillConfig(encoder=bert_config(100, hidden_size=36, num_attention_heads=6))
    assert config.distiller_heads == 6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"layers": [5]}, "layers contains 5, but the encoder has hidden_states 0..4"),
        ({"layers": [-1]}, "layers contains -1"),
        ({"layers": [2, 2]}, "must not repeat"),
        ({"layers": []}, "at least one"),
        ({"distiller_heads": 5}, "distiller_heads=5 does not divide the encoder hidden size 32"),
        ({"distiller_layers": 0}, "distiller_layers must be an int >= 1, got 0"),
        ({"distiller_dropout": 1.0}, "distiller_dropout must be in [0, 1), got 1.0"),
        ({"distiller_activation": "tanh"}, "'tanh'"),
        ({"distiller_ffn_multiplier": 0}, "distiller_ffn_multiplier must be > 0"),
        ({"alignment_weight": -1.0}, "alignment_weight must be >= 0, got -1.0"),
        ({"alignment_temperature": 0.0}, "alignment_temperature must be > 0, got 0.0"),
    ],
)
def test_bad_values_are_named(kwargs, message):
    with pytest.raises(ValueError) as err:
        WicDistillConfig(encoder=bert_config(100), **kwargs)
    assert message in str(err.value)


def test_round_trip_keeps_nested_encoder(tmp_path):
    config = WicDistillConfig(encoder=xlmr_config(123), layers=[0, 2, 4], distiller_layers=2)
    config.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["model_type"] == "wicdistill"
    assert saved["encoder"]["model_type"] == "xlm-roberta"
    assert saved["auto_map"] == {"AutoConfig": "configuration_wicdistill.WicDistillConfig"}
    for key in ("backbone", "backbone_config"):
        assert key not in saved
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(loaded, WicDistillConfig)
    assert loaded.layers == [0, 2, 4]
    assert loaded.distiller_layers == 2
    assert type(loaded.encoder).__name__ == "XLMRobertaConfig"
    assert loaded.encoder.vocab_size == 123


def test_dict_encoder_is_resolved_by_model_type():
    config = WicDistillConfig(encoder=xlmr_config(50).to_dict())
    assert type(config.encoder).__name__ == "XLMRobertaConfig"


def test_every_training_flag_has_a_help_line_with_its_default():
    import argparse
    import inspect

    from wicdistill.training.config import build_parser

    model_defaults = {
        name: p.default for name, p in inspect.signature(WicDistillConfig.__init__).parameters.items()
    }
    parser = build_parser()
    formatter = parser._get_formatter()
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    assert len(actions) > 50
    for action in actions:
        flag = action.option_strings[0]
        assert action.help and action.help.strip(), f"{flag} has no help"
        shown = formatter._expand_help(action) if action.default is not argparse.SUPPRESS else action.help
        if action.default is argparse.SUPPRESS:  # a model flag: its default is the model's own
            name = action.dest
            expected = model_defaults.get(name, False)
            assert "(default: " in shown, flag
            if expected is not None:
                assert f"(default: {expected})" in shown, (flag, shown)
        else:
            assert shown.endswith(f"(default: {action.default})"), (flag, shown)
    text = parser.format_help()
    assert "--trust_checkpoint" in text and "--nonfinite" in text
