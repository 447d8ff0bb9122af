"""Checkpoints are safetensors + JSON only; resume refuses pickle-capable files unless trusted,
and a trusted checkpoint of an older wicdistill (``accelerator.save_state``) still resumes exactly."""

import pickle
from pathlib import Path

import pytest
import torch
from conftest import training_config
from safetensors.torch import load_file
from triples import triple_dataset

from wicdistill.training import loop as loop_module
from wicdistill.training.checkpoints import pickle_files
from wicdistill.training.loop import train

pytestmark = pytest.mark.usefixtures("fresh_accelerate_state")


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    triple_dataset(96, crosslingual_every=3).to_json(str(path))
    return path


class CreatesFileWhenUnpickled:
    """A stand-in for a malicious pickle: loading it opens (creates) ``path``."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def _crash_after_step_5(state):
    if state.global_step == 5:
        raise KeyboardInterrupt


def _interrupted_run(encoder_dir, corpus_file, out: Path) -> Path:
    """A run with checkpoints every 3 steps, interrupted at step 5: its checkpoint is step 3."""
    with pytest.raises(KeyboardInterrupt):
        train(
            training_config(encoder_dir, corpus_file, out, checkpoint_every=3),
            callbacks=[_crash_after_step_5],
        )
    return out / "checkpoints" / "step-00000003"


def _resume(encoder_dir, corpus_file, out: Path, **options):
    return train(
        training_config(
            encoder_dir, corpus_file, out, checkpoint_every=3, resume_from_checkpoint="latest", **options
        )
    )


def _assert_same_weights(a: Path, b: Path) -> None:
    first, second = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    assert first.keys() == second.keys()
    for key in first:
        assert torch.equal(first[key], second[key]), key


def test_checkpoints_are_safetensors_and_json_only(encoder_dir, corpus_file, tmp_path):
    train(training_config(encoder_dir, corpus_file, tmp_path, checkpoint_every=3))
    checkpoints = sorted((tmp_path / "checkpoints").iterdir())
    assert [p.name for p in checkpoints] == ["step-00000003", "step-00000006"]  # no .partial left
    for path in checkpoints:
        assert pickle_files(path) == []
        assert sorted(p.name for p in path.iterdir()) == [
            "checkpoint.json",
            "optimizer.safetensors",
            "rng-0.safetensors",
            "trainable.safetensors",
            "trainer_done",
        ]


def test_resume_refuses_a_planted_pickle_without_running_it(encoder_dir, corpus_file, tmp_path):
    checkpoint = _interrupted_run(encoder_dir, corpus_file, tmp_path / "run")
    marker = tmp_path / "the-pickle-ran"
    planted = checkpoint / "custom_checkpoint_1.pkl"  # where Accelerate looks for the loop state
    planted.write_bytes(pickle.dumps(CreatesFileWhenUnpickled(marker)))
    with pytest.raises(ValueError) as err:
        _resume(encoder_dir, corpus_file, tmp_path / "run")
    assert str(err.value) == (
        f"{planted} can run code when loaded (a pickle-capable file): refusing to resume from {checkpoint}; "
        f"pass --trust_checkpoint only if you wrote this checkpoint yourself (e.g. with an older wicdistill), "
        f"or resume from a checkpoint without such files"
    )
    assert not marker.exists(), "the planted pickle was unpickled"
    assert not (tmp_path / "run" / "model.safetensors").exists()


def _accelerate_save_state(run, output_dir, keep):
    """How wicdistill 0.1 wrote a checkpoint: ``save_state`` with the scheduler and loop state
    registered (pickled), then the ``trainer_done`` marker."""
    accelerator = run.accelerator
    if not accelerator._custom_objects:
        accelerator.register_for_checkpointing(run.scheduler, run.state)
    path = output_dir / "checkpoints" / f"step-{run.state.global_step:08d}"
    accelerator.save_state(str(path))
    (path / "trainer_done").write_text(f"{run.state.global_step}\n")
    return path


def test_a_trusted_accelerate_checkpoint_of_an_older_version_resumes_exactly(
    encoder_dir, corpus_file, tmp_path, monkeypatch
):
    straight = train(training_config(encoder_dir, corpus_file, tmp_path / "straight", checkpoint_every=3))
    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "save_checkpoint", _accelerate_save_state)
        checkpoint = _interrupted_run(encoder_dir, corpus_file, tmp_path / "old")
    assert {p.name for p in pickle_files(checkpoint)} >= {"custom_checkpoint_1.pkl", "optimizer.bin"}
    with pytest.raises(
        ValueError, match=r"custom_checkpoint_0\.pkl can run code when loaded .*--trust_checkpoint"
    ):
        _resume(encoder_dir, corpus_file, tmp_path / "old")
    resumed = _resume(encoder_dir, corpus_file, tmp_path / "old", trust_checkpoint=True)
    assert resumed["training"]["loss_curve"] == straight["training"]["loss_curve"]
    _assert_same_weights(tmp_path / "straight", tmp_path / "old")
    assert pickle_files(tmp_path / "old" / "checkpoints" / "step-00000006") == []  # new ones are safe


def test_a_checkpoint_killed_before_its_commit_is_invisible(encoder_dir, corpus_file, tmp_path):
    """A leftover ``.step-N.partial`` folder is not a checkpoint; the next save clears it."""
    checkpoint = _interrupted_run(encoder_dir, corpus_file, tmp_path)
    partial = checkpoint.parent / ".step-00000006.partial"
    partial.mkdir()
    (partial / "trainable.safetensors").write_bytes(b"half")
    resumed = _resume(encoder_dir, corpus_file, tmp_path)
    assert resumed["training"]["steps"] == 8
    assert sorted(p.name for p in checkpoint.parent.iterdir()) == ["step-00000003", "step-00000006"]


def test_resume_with_another_model_shape_is_one_line_naming_the_weight(encoder_dir, corpus_file, tmp_path):
    checkpoint = _interrupted_run(encoder_dir, corpus_file, tmp_path)
    with pytest.raises(ValueError) as raised:
        _resume(encoder_dir, corpus_file, tmp_path, model={"distiller_ffn_multiplier": 3})
    message = str(raised.value)
    assert message.startswith(
        f"{checkpoint / 'trainable.safetensors'} does not match this run's trainable weights ("
    )
    assert " is (" in message and message.endswith("resume with the settings the checkpoint was written with")
    assert "\n" not in message


def test_best_weights_of_a_later_step_than_the_resumed_state_are_not_saved_as_its_best(
    encoder_dir, corpus_file, tmp_path
):
    """A run resumed from step 3 and stopped there must not take best weights a later step wrote."""
    from safetensors import safe_open

    _interrupted_run(encoder_dir, corpus_file, tmp_path)
    best = tmp_path / "best" / "trainable.safetensors"
    with safe_open(str(best), "pt") as handle:
        assert handle.metadata()["step"] == "4"  # validated at 2 and 4; step 4 improved on 2
    with pytest.warns(RuntimeWarning, match=r"holds the weights of step 4, not of this run's best step 2"):
        summary = _resume(encoder_dir, corpus_file, tmp_path, max_steps=3)
    assert summary["training"]["best_step"] == 2
