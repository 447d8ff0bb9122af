"""Join two corpus builds and their feature caches, so languages can be added without re-encoding.

Building and extracting features for the recipe's 50 % bitext takes about an hour on the 2-core
machine; a build of only the new languages plus this join gives the combined training set in a
fraction of that. Records of the first build come first; the stacks are copied, not recomputed.

    python experiments/merge_builds.py \
        --corpora ~/.cache/wicdistill/corpora/xling-e5-half ~/.cache/wicdistill/corpora/xling-e5-half-new10 \
        --features ~/.cache/wicdistill/features/xling-e5-half-upper ~/.cache/wicdistill/features/xling-e5-half-new10-upper \
        --corpus_out ~/.cache/wicdistill/corpora/xling-e5-half16 \
        --features_out ~/.cache/wicdistill/features/xling-e5-half16-upper

The joined corpus is one ``corpus.jsonl`` (the builds' ``train.jsonl`` files; held-back records are
left out) and ``heldout.jsonl`` (theirs, concatenated); the cache's metadata carries the joined
corpus's fingerprint, so training checks it like any other cache.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from wicdistill.corpus import corpus_fingerprint, read_corpus


def merge(corpora: list[Path], features: list[Path], corpus_out: Path, features_out: Path) -> int:
    """Write the joined corpus and cache; returns the number of records."""
    metas = [json.loads((folder / "meta.json").read_text()) for folder in features]
    for folder, meta in zip(features[1:], metas[1:]):
        if meta["encoder"] != metas[0]["encoder"]:
            raise ValueError(f"{folder} was extracted with another encoder or layer set than {features[0]}")
    for folder, meta in zip(features, metas):
        if not meta.get("complete"):
            raise ValueError(f"feature cache {folder} is incomplete")
    for folder in (corpus_out, features_out):
        if folder.exists():
            raise FileExistsError(f"{folder} exists; pick a new folder")
    corpus_out.mkdir(parents=True)
    features_out.mkdir(parents=True)
    for name, out_name in (("train.jsonl", "corpus.jsonl"), ("heldout.jsonl", "heldout.jsonl")):
        with open(corpus_out / out_name, "w", encoding="utf-8") as out:
            for folder in corpora:
                out.write((folder / name).read_text(encoding="utf-8"))
    corpus = read_corpus(corpus_out / "corpus.jsonl")

    stacks = [np.load(folder / "stacks.npy", mmap_mode="r") for folder in features]
    total = sum(len(s) for s in stacks)
    joined = np.lib.format.open_memmap(
        features_out / "stacks.npy", mode="w+", dtype=np.float16, shape=(total, *stacks[0].shape[1:])
    )
    indices, hosts, offset = [], [], 0
    for folder, block in zip(features, stacks):
        joined[offset : offset + len(block)] = block
        indices.append(np.load(folder / "index.npy") + offset)
        hosts.append(np.load(folder / "hosts.npy"))
        offset += len(block)
    joined.flush()
    index = np.concatenate(indices)
    if len(index) != len(corpus):
        raise ValueError(f"the caches index {len(index)} records, the builds' train.jsonl hold {len(corpus)}")
    np.save(features_out / "index.npy", index)
    np.save(features_out / "hosts.npy", np.concatenate(hosts))
    meta = dict(metas[0])
    meta.update(
        corpus={"fingerprint": corpus_fingerprint(corpus), "records": len(corpus)},
        num_targets=total,
        shape=list(joined.shape),
        num_sentences=sum(m["num_sentences"] for m in metas),
        merged_from=[str(folder.name) for folder in features],
    )
    (features_out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return len(corpus)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpora", type=Path, nargs="+", required=True, help="build-corpus output folders")
    parser.add_argument(
        "--features", type=Path, nargs="+", required=True, help="their feature caches, same order"
    )
    parser.add_argument("--corpus_out", type=Path, required=True)
    parser.add_argument("--features_out", type=Path, required=True)
    args = parser.parse_args()
    if len(args.corpora) != len(args.features) or len(args.corpora) < 2:
        parser.error("give two or more --corpora and as many --features, in the same order")
    records = merge(
        [p.expanduser() for p in args.corpora],
        [p.expanduser() for p in args.features],
        args.corpus_out.expanduser(),
        args.features_out.expanduser(),
    )
    print(f"joined {records} records into {args.corpus_out} and {args.features_out}")


if __name__ == "__main__":
    main()
