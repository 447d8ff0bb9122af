"""A feature cache never passes off corrupt data: checksummed done markers, checks on reuse."""

import argparse
import json
import logging

import numpy as np
import pytest
from conftest import build_model
from triples import triple_dataset

import wicdistill.features.extract as extract
from wicdistill.features.cache import FeatureCache
from wicdistill.features.command import configure
from wicdistill.features.extract import NonFiniteFeaturesError, extract_features
from wicdistill.features.integrity import FeatureCacheCorrupt

CHUNK_SENTENCES = 6


@pytest.fixture(scope="module")
def corpus():
    return triple_dataset(40, crosslingual_every=4)


@pytest.fixture(scope="module")
def bert():
    return build_model("bert")


def _extract(corpus, bert, folder, **kwargs):
    model, tokenizer = bert
    return extract_features(
        corpus,
        model,
        tokenizer,
        folder,
        batch_size=4,
        chunk_sentences=CHUNK_SENTENCES,
        show_progress=False,
        **kwargs,
    )


@pytest.fixture
def cache_dir(corpus, bert, tmp_path):
    folder = tmp_path / "f"
    _extract(corpus, bert, folder)
    return folder


def _marker(folder, chunk):
    return folder / "done" / f"chunk-{chunk:06d}.ok"


def _rows(folder, chunk):
    return json.loads(_marker(folder, chunk).read_text())["rows"]


def _poison(folder, row):
    stacks = np.load(folder / "stacks.npy", mmap_mode="r+")
    stacks[row, 0, 0] = np.nan
    stacks.flush()
    del stacks


def test_markers_hold_checksums_of_their_rows(cache_dir):
    import hashlib

    meta = json.loads((cache_dir / "meta.json").read_text())
    stacks = np.load(cache_dir / "stacks.npy")
    assert meta["num_chunks"] >= 3
    for chunk in range(meta["num_chunks"]):
        marker = json.loads(_marker(cache_dir, chunk).read_text())
        start, end = marker["rows"]
        data = np.ascontiguousarray(stacks[start:end]).tobytes()
        assert marker["bytes"] == len(data)
        assert marker["sha256"] == hashlib.sha256(data).hexdigest() == meta["checksums"]["chunks"][chunk]


def test_non_finite_rows_on_disk_are_never_marked_done(corpus, bert, tmp_path, monkeypatch):
    """The encoder's output was finite but what reached the disk is not: the chunk stays undone."""
    real_pwrite = extract.os.pwrite

    def corrupting_pwrite(fd, data, offset):
        return real_pwrite(fd, b"\xff" * len(data), offset)  # 0xFFFF is a float16 NaN

    monkeypatch.setattr(extract.os, "pwrite", corrupting_pwrite)
    folder = tmp_path / "f"
    with pytest.raises(NonFiniteFeaturesError, match=r"stacks\.npy chunk 0 \(rows 0-\d+\) holds NaN/Inf"):
        _extract(corpus, bert, folder)
    assert not _marker(folder, 0).exists()
    assert not json.loads((folder / "meta.json").read_text())["complete"]


def test_verify_finds_a_changed_chunk_and_the_named_fix_repairs_it(corpus, bert, cache_dir):
    reference = np.load(cache_dir / "stacks.npy")
    row = _rows(cache_dir, 1)[0] + 1
    _poison(cache_dir, row)
    FeatureCache(cache_dir)  # the fast path reads no stacks: only --verify can see changed bytes
    expected = (
        rf"{cache_dir}/stacks.npy chunk 1 \(rows \d+-\d+\) does not match its checksum: "
        rf"delete {cache_dir}/done/chunk-000001.ok and rerun extract-features to re-extract it, "
        r"or rerun with --overwrite"
    )
    with pytest.raises(FeatureCacheCorrupt, match=expected):
        _extract(corpus, bert, cache_dir, verify=True)
    with pytest.raises(FeatureCacheCorrupt, match=expected):
        FeatureCache(cache_dir, verify=True)
    _marker(cache_dir, 1).unlink()
    repaired = _extract(corpus, bert, cache_dir, verify=True)
    assert np.array_equal(np.asarray(repaired.stacks), reference)


def test_a_deleted_marker_of_a_complete_cache_is_detected_and_re_extracted(corpus, bert, cache_dir, caplog):
    reference = np.load(cache_dir / "stacks.npy")
    _marker(cache_dir, 2).unlink()
    stacks = np.load(cache_dir / "stacks.npy", mmap_mode="r+")
    stacks[:] = 0  # what the deleted marker vouched for is gone too: it must be re-extracted
    stacks.flush()
    del stacks
    with pytest.raises(
        FeatureCacheCorrupt,
        match=rf"{cache_dir}/done/chunk-000002.ok is missing although {cache_dir}/meta.json marks the "
        rf"cache complete: rerun extract-features on {cache_dir} to re-extract chunk 2",
    ):
        FeatureCache(cache_dir)
    _marker(cache_dir, 1).unlink()
    _marker(cache_dir, 0).unlink()
    with caplog.at_level(logging.WARNING, logger="wicdistill.features.extract"):
        cache = _extract(corpus, bert, cache_dir)
    assert "chunks [0, 1, 2] have no done marker: re-extracting them" in caplog.text
    rows = _rows(cache_dir, 2)[1]
    assert np.array_equal(np.asarray(cache.stacks)[:rows], reference[:rows])


def test_a_rewritten_marker_is_caught_by_the_fast_path(cache_dir):
    marker = json.loads(_marker(cache_dir, 1).read_text())
    marker["sha256"] = "0" * 64
    _marker(cache_dir, 1).write_text(json.dumps(marker))
    with pytest.raises(
        FeatureCacheCorrupt,
        match=rf"{cache_dir}/done/chunk-000001.ok does not match the checksum {cache_dir}/meta.json "
        rf"records for chunk 1: delete {cache_dir}/done/chunk-000001.ok",
    ):
        FeatureCache(cache_dir)
    _marker(cache_dir, 1).write_text("garbage")
    with pytest.raises(FeatureCacheCorrupt, match=r"chunk-000001.ok is not a valid done marker"):
        FeatureCache(cache_dir)


def test_a_changed_index_is_caught_by_the_fast_path(cache_dir):
    index = np.load(cache_dir / "index.npy")
    index[3, 0] = index[4, 0]
    np.save(cache_dir / "index.npy", index)
    with pytest.raises(FeatureCacheCorrupt, match=rf"{cache_dir}/index.npy does not match its checksum"):
        FeatureCache(cache_dir)


@pytest.mark.parametrize("name", ["stacks.npy", "index.npy", "hosts.npy"])
def test_a_truncated_file_is_named_with_its_sizes(cache_dir, name):
    path = cache_dir / name
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size - 10)
    with pytest.raises(
        FeatureCacheCorrupt,
        match=rf"{path} is truncated: {size - 10} bytes, expected {size} for .*: "
        r"rerun extract-features with --overwrite",
    ):
        FeatureCache(cache_dir)


def test_a_truncated_stacks_file_is_named_on_resume(corpus, bert, cache_dir):
    meta = json.loads((cache_dir / "meta.json").read_text())
    meta["complete"] = False
    (cache_dir / "meta.json").write_text(json.dumps(meta))
    with open(cache_dir / "stacks.npy", "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(FeatureCacheCorrupt, match=rf"{cache_dir}/stacks.npy is truncated: 1000 bytes"):
        _extract(corpus, bert, cache_dir)


def _make_legacy(folder, complete=True):
    """Rewrite a cache as versions before checksums left it: plain-text markers, no checksums."""
    meta = json.loads((folder / "meta.json").read_text())
    del meta["checksums"]
    meta["complete"] = complete
    (folder / "meta.json").write_text(json.dumps(meta))
    for chunk in range(meta["num_chunks"]):
        start, end = _rows(folder, chunk)
        _marker(folder, chunk).write_text(f"({start}, {end})\n")
    return meta


def test_a_cache_without_checksums_is_accepted_with_one_warning(cache_dir, caplog):
    _make_legacy(cache_dir)
    with caplog.at_level(logging.WARNING, logger="wicdistill.features.integrity"):
        FeatureCache(cache_dir)
        FeatureCache(cache_dir)
    assert caplog.text.count("predates checksums") == 1
    assert "extract-features --verify checks that they are finite" in caplog.text
    _poison(cache_dir, 2)
    with pytest.raises(
        NonFiniteFeaturesError, match=r"stacks\.npy chunk 0 \(rows 0-\d+\) holds NaN/Inf from row 2"
    ):
        FeatureCache(cache_dir, verify=True)


def test_resuming_a_cache_without_checksums_checksums_its_done_chunks(corpus, bert, cache_dir):
    meta = _make_legacy(cache_dir, complete=False)
    for chunk in range(2, meta["num_chunks"]):
        _marker(cache_dir, chunk).unlink()
    cache = _extract(corpus, bert, cache_dir, verify=True)
    assert json.loads(_marker(cache_dir, 0).read_text())["sha256"] == cache.meta["checksums"]["chunks"][0]


def test_resume_refuses_a_marker_for_other_rows(corpus, bert, cache_dir):
    meta = json.loads((cache_dir / "meta.json").read_text())
    meta["complete"] = False
    (cache_dir / "meta.json").write_text(json.dumps(meta))
    marker = json.loads(_marker(cache_dir, 1).read_text())
    marker["rows"][1] += 1
    _marker(cache_dir, 1).write_text(json.dumps(marker))
    with pytest.raises(
        FeatureCacheCorrupt, match=r"chunk-000001.ok covers rows \[\d+, \d+\], chunk 1 is rows"
    ):
        _extract(corpus, bert, cache_dir)


def test_overwrite_rebuilds_a_corrupt_cache(corpus, bert, cache_dir):
    reference = np.load(cache_dir / "stacks.npy")
    _poison(cache_dir, 0)
    (cache_dir / "index.npy").write_bytes(b"")
    cache = _extract(corpus, bert, cache_dir, overwrite=True, verify=True)
    assert np.array_equal(np.asarray(cache.stacks), reference)


def test_command_has_verify_and_overwrite_flags():
    parser = argparse.ArgumentParser()
    configure(parser)
    args = parser.parse_args(["--corpus", "c", "--output", "o", "--verify", "--overwrite"])
    assert args.verify and args.overwrite
