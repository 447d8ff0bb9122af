"""Every command ends a failure with one stderr line and a documented exit code; --debug adds the traceback."""

import importlib.util
import re

import httpx2
import pytest
from conftest import REPO_ROOT
from huggingface_hub.errors import HfHubHTTPError
from triples import triple_dataset

from wicdistill import cli
from wicdistill.hub import push as push_module

REPO = "org/wic-tiny"


def _train_accelerate():
    spec = importlib.util.spec_from_file_location("train_accelerate", REPO_ROOT / "train_accelerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def export_folder(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "wicdistill"}')
    (folder / "README.md").write_text("---\nlibrary_name: transformers\n---\n# card\n")
    return folder


def _hub_error(status: int, message: str) -> HfHubHTTPError:
    request = httpx2.Request("POST", "https://huggingface.co/api/models/org/wic-tiny/commit/main")
    return HfHubHTTPError(message, response=httpx2.Response(status, request=request))


def _failing_api(error: Exception):
    class FailingApi:
        def create_repo(self, repo_id, **kwargs):
            return None

        def upload_folder(self, **kwargs):
            raise error

    return FailingApi


# A requests-based huggingface_hub raises requests' own errors; the mapping goes by library.
RequestsConnectionError = type("ConnectionError", (OSError,), {"__module__": "requests.exceptions"})


@pytest.mark.parametrize(
    "error, expected",
    [
        (
            httpx2.ConnectError("[Errno -3] Temporary failure in name resolution"),
            "cannot reach the Hugging Face Hub (ConnectError: [Errno -3] Temporary failure in name resolution): "
            "check the network connection and any proxy settings (or HF_HUB_OFFLINE), then rerun the same command",
        ),
        (
            RequestsConnectionError("Max retries exceeded with url: /api/repos/create"),
            "cannot reach the Hugging Face Hub (ConnectionError: Max retries exceeded with url: /api/repos/create): "
            "check the network connection and any proxy settings (or HF_HUB_OFFLINE), then rerun the same command",
        ),
        (
            httpx2.ReadTimeout("The read operation timed out"),
            "the Hub did not answer in time (ReadTimeout: The read operation timed out): retry later",
        ),
        (
            _hub_error(
                401, "401 Client Error: Unauthorized for url: https://huggingface.co/api\n\nInvalid token"
            ),
            "the Hub refused the token (401 Client Error: Unauthorized for url: https://huggingface.co/api): "
            "pass a valid one with --token, set HF_TOKEN, or log in again with `hf auth login`",
        ),
        (
            _hub_error(403, "403 Forbidden: you cannot write to org"),
            "the token is not allowed to do this (403 Forbidden: you cannot write to org): use a token with "
            "write access to that namespace",
        ),
    ],
    ids=["connect", "requests", "timeout", "401", "403"],
)
def test_push_network_failure_is_one_line_naming_the_repo(
    export_folder, monkeypatch, capsys, error, expected
):
    monkeypatch.setattr(push_module, "HfApi", _failing_api(error))
    code = cli.main(["push", str(export_folder), REPO, "--token", "hf_write"])
    assert code == cli.EXIT_NETWORK == 3
    assert (
        capsys.readouterr().err
        == f"wicdistill push: error: could not push {export_folder} to {REPO}: {expected}\n"
    )


@pytest.mark.parametrize(
    "argv, env", [(["--debug", "push"], None), (["push", "--debug"], None), (["push"], "1")], ids=str
)
def test_debug_prints_the_traceback_above_the_same_line(export_folder, monkeypatch, capsys, argv, env):
    monkeypatch.setattr(push_module, "HfApi", _failing_api(httpx2.ConnectError("no route to host")))
    if env:
        monkeypatch.setenv("WICDISTILL_DEBUG", env)
    else:
        monkeypatch.delenv("WICDISTILL_DEBUG", raising=False)
    code = cli.main([*argv, str(export_folder), REPO, "--token", "hf_write"])
    err = capsys.readouterr().err
    assert code == 3
    assert (
        err.startswith("Traceback (most recent call last):")
        and "httpx2.ConnectError: no route to host" in err
    )
    assert err.splitlines()[-1].startswith(
        f"wicdistill push: error: could not push {export_folder} to {REPO}"
    )


def test_without_debug_there_is_no_traceback(export_folder, monkeypatch, capsys):
    monkeypatch.setenv("WICDISTILL_DEBUG", "0")
    monkeypatch.setattr(push_module, "HfApi", _failing_api(httpx2.ConnectError("no route to host")))
    assert cli.main(["push", str(export_folder), REPO, "--token", "hf_write"]) == 3
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_export_and_push_bad_input_exit_1_with_one_line(tmp_path, export_folder, monkeypatch, capsys):
    missing = tmp_path / "no-model"
    assert cli.main(["export", str(missing), str(tmp_path / "out")]) == cli.EXIT_BAD_INPUT == 1
    err = capsys.readouterr().err
    assert err.startswith("wicdistill export: error: ") and str(missing) in err and err.count("\n") == 1
    monkeypatch.setattr(push_module, "get_token", lambda: None)  # no token given, set or stored
    assert cli.main(["push", str(export_folder), REPO]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("wicdistill push: error: no Hugging Face token to push with") and err.count("\n") == 1
    )


def test_usage_errors_exit_2_and_help_documents_every_code(capsys):
    assert cli.main(["no-such-command"]) == cli.EXIT_USAGE == 2
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err
    assert cli.main(["push"]) == 2  # missing arguments
    assert "the following arguments are required: out_dir, repo_id" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0
    help_text = capsys.readouterr().out
    epilog = help_text.split("exit codes:\n", 1)[1]
    codes = [int(m) for m in re.findall(r"^  (\d+) ", epilog, flags=re.MULTILINE)]
    assert codes == [cli.EXIT_OK, 1, 2, 3, cli.EXIT_BUG, cli.EXIT_INTERRUPTED] == [0, 1, 2, 3, 4, 130]
    assert "--debug" in help_text and "WICDISTILL_DEBUG=1" in help_text


def test_a_bug_shows_its_traceback_and_exits_4_and_ctrl_c_exits_130(monkeypatch, capsys):
    import wicdistill.recipe as recipe_command

    def broken(args):
        raise KeyError("oops")

    monkeypatch.setattr(recipe_command, "run", broken)
    assert cli.main(["recipe", "x.yaml"]) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err
    assert err.splitlines()[-1] == (
        "wicdistill recipe: error: unexpected KeyError: 'oops' (a bug: please report it with the traceback above)"
    )

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(recipe_command, "run", interrupted)
    assert cli.main(["recipe", "x.yaml"]) == 130
    assert capsys.readouterr().err == "wicdistill recipe: interrupted\n"


def test_train_accelerate_bad_flag_value_is_one_line(capsys):
    code = _train_accelerate().main(["--corpus", "c.jsonl", "--mixed_precision", "bf17"])
    assert code == 1
    assert capsys.readouterr().err == (
        "train_accelerate.py: error: mixed_precision must be no, fp16 or bf16, got 'bf17'\n"
    )


def test_train_accelerate_config_typo_is_one_line_and_debug_is_accepted(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("corpus: c.jsonl\nlearning_rat: 0.1\n")
    module = _train_accelerate()
    assert module.main(["--config", str(config)]) == 1
    assert capsys.readouterr().err == (
        f"train_accelerate.py: error: {config}: train: unknown option(s) ['learning_rat']; "
        "did you mean 'learning_rate'?\n"
    )
    assert module.main(["--config", str(config), "--debug"]) == 1
    assert "Traceback (most recent call last):" in capsys.readouterr().err


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_train_accelerate_corpus_feature_mismatch_is_one_line(encoder_dir, tmp_path, capsys):
    from transformers import AutoTokenizer

    from wicdistill import WicDistillModel
    from wicdistill.features.extract import extract_features

    features = tmp_path / "features"
    model = WicDistillModel.from_encoder_pretrained(encoder_dir)
    tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
    extract_features(triple_dataset(12, seed=5), model, tokenizer, features, show_progress=False)
    corpus = tmp_path / "corpus.jsonl"
    triple_dataset(24).to_json(str(corpus))
    argv = ["--corpus", str(corpus), "--encoder", str(encoder_dir), "--features_dir", str(features)]
    argv += ["--output_dir", str(tmp_path / "out"), "--max_steps", "1", "--report_to", "none"]
    assert _train_accelerate().main([*argv, "--show_progress", "false"]) == 1
    err = capsys.readouterr().err
    last = err.split("\n")[-2]  # above it only the weight-loading progress bar of transformers
    assert "Traceback" not in err and err.endswith(last + "\n")
    assert last.startswith(
        f"train_accelerate.py: error: feature cache at {features} was built from another corpus"
    )
    assert last.endswith("Extract features into another folder.")


@pytest.mark.filterwarnings("ignore:'wicdistill.cli' found in sys.modules:RuntimeWarning")
def test_python_dash_m_push_offline_is_one_line_exit_3(export_folder, monkeypatch, capsys):
    """The real Hub client in offline mode (conftest sets HF_HUB_OFFLINE), run as ``python -m
    wicdistill.cli`` does: a second copy of the module as ``__main__``."""
    import runpy

    monkeypatch.delenv("WICDISTILL_DEBUG", raising=False)
    monkeypatch.setattr("sys.argv", ["wicdistill", "push", str(export_folder), REPO, "--token", "hf_x"])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("wicdistill.cli", run_name="__main__")
    assert done.value.code == 3
    assert capsys.readouterr().err == (
        f"wicdistill push: error: could not push {export_folder} to {REPO}: cannot reach the Hugging Face Hub "
        "(OfflineModeIsEnabled: Cannot reach https://huggingface.co/api/repos/create: offline mode is enabled. "
        "To disable it, please unset the `HF_HUB_OFFLINE` environment variable.): check the network connection "
        "and any proxy settings (or HF_HUB_OFFLINE), then rerun the same command\n"
    )


def test_the_packaged_training_entry_point_runs_without_a_checkout(capsys):
    """``python -m wicdistill.launch`` (what ``accelerate launch -m`` runs) is the same entry
    point as the repository's train_accelerate.py, under its own name."""
    import subprocess
    import sys

    from wicdistill import launch

    assert launch.main(["--corpus", "c.jsonl", "--mixed_precision", "bf17"]) == 1
    assert capsys.readouterr().err == (
        "wicdistill.launch: error: mixed_precision must be no, fp16 or bf16, got 'bf17'\n"
    )
    shown = subprocess.run(
        [sys.executable, "-m", "wicdistill.launch", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert shown.returncode == 0 and "--learning_rate" in shown.stdout and "(default: " in shown.stdout
