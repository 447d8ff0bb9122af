"""Give a trained model meaning centring (per language, or global) after the fact, without retraining.

`--language_centering true` and `--global_centering true` only fit the centres once training is
over (the training itself does not change), so fitting them on a saved run gives the model that
run would have produced with the flag (`--global` for the single mean over all languages). This
measures centring on runs that already exist, e.g. the aligned recipe's seeds:

    python experiments/refit_centers.py runs/X_align_half_form30_6ep runs/X_align_half_form30_6ep_center \
        --corpus ~/.cache/wicdistill/corpora/xling-e5-half \
        --features_dir ~/.cache/wicdistill/features/xling-e5-half-upper
    wicdistill evaluate runs/X_align_half_form30_6ep_center --tasks ...

The training records are the run's own: its seed (from ``training_summary.json``) and the
validation fraction pick the same split, checked against the record count the run reported.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer

from wicdistill import WicDistillConfig, WicDistillModel
from wicdistill.corpus import corpus_fingerprint, read_corpus
from wicdistill.features.cache import FeatureCache
from wicdistill.features.identity import encoder_identity
from wicdistill.training.centering import fit_centers
from wicdistill.training.config import TrainingConfig
from wicdistill.training.datasets import CachedTriples
from wicdistill.training.records import corpus_languages, split_records


def run_training_records(run: Path, corpus: Any, validation_fraction: float) -> tuple[np.ndarray, int]:
    """The records a saved run trained on and its seed: the seed's split, checked against the run."""
    summary = json.loads((run / "training_summary.json").read_text())
    seed = summary["hyperparameters"]["seed"]
    train_ids, _ = split_records(corpus.pair_ids, validation_fraction, seed)
    if len(train_ids) != summary["corpus"]["train_records"]:
        raise ValueError(
            f"the split has {len(train_ids)} training records, the run trained on "
            f"{summary['corpus']['train_records']}: another corpus or validation fraction?"
        )
    return train_ids, seed


def with_centres(
    run: Path, corpus_dir: Path, features_dir: Path, validation_fraction: float, one_mean: bool = False
) -> WicDistillModel:
    """The run's model with centring over the corpus languages (or one mean over all, ``one_mean``),
    fitted on the run's training split."""
    corpus = read_corpus(corpus_dir)
    languages = [] if one_mean else corpus_languages(corpus)
    if not one_mean and not languages:
        raise ValueError(f"{corpus_dir}: records carry no 'lang' per word, so there is nothing to centre")
    config = WicDistillConfig.from_pretrained(run)
    if config.centering_languages is not None:
        raise ValueError(f"{run} already centres meaning vectors ({config.centering_languages})")
    config.centering_languages = languages
    model = WicDistillModel.from_pretrained(run, config=config).eval()
    train_ids, _ = run_training_records(run, corpus, validation_fraction)
    cache = FeatureCache(features_dir, encoder_identity(model), corpus_fingerprint(corpus))
    fit_centers(model, CachedTriples(cache, train_ids), corpus, torch.device("cpu"))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", type=Path, help="a saved training run (its output_dir)")
    parser.add_argument("output", type=Path, help="where the centred model is written (must not exist)")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--features_dir", type=Path, required=True)
    parser.add_argument("--validation_fraction", type=float, default=TrainingConfig.validation_fraction)
    parser.add_argument(
        "--global",
        dest="one_mean",
        action="store_true",
        help="one mean over all languages (--global_centering)",
    )
    args = parser.parse_args()
    if args.output.exists():
        parser.error(f"{args.output} exists; pick a new folder")
    model = with_centres(args.run, args.corpus, args.features_dir, args.validation_fraction, args.one_mean)
    staging = args.output.with_name(args.output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    AutoTokenizer.from_pretrained(args.run).save_pretrained(staging)
    summary = json.loads((args.run / "training_summary.json").read_text())
    summary["distiller"]["centering_languages"] = model.config.centering_languages
    summary["centres_fitted_after_the_run"] = "experiments/refit_centers.py"
    (staging / "training_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    staging.rename(args.output)
    print(
        f"wrote {args.output} (centres for {', '.join(model.config.centering_languages) or 'all languages as one'})"
    )


if __name__ == "__main__":
    main()
