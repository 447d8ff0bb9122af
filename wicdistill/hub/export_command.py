"""``wicdistill export MODEL_DIR OUT_DIR``: write a self-contained folder ready for the Hub.

Bad input (a missing folder, a refused model, an occupied OUT_DIR) raises; ``wicdistill.cli``
turns it into one line and exit code 1.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .card_data import CardData
from .export import export_model


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model_dir", help="a trained model folder (save_pretrained output with its tokenizer)"
    )
    parser.add_argument("out_dir", help="the folder to write; built beside it and renamed into place")
    parser.add_argument("--heads-only", action="store_true", help="export only the distillers (no encoder)")
    parser.add_argument(
        "--encoder-revision", help="commit hash or tag of the encoder (required with --heads-only)"
    )
    parser.add_argument(
        "--encoder-id", help="the encoder's Hub id, when the model was built from a local folder"
    )
    parser.add_argument(
        "--model-id", help="the Hub repository the card's usage snippet names (namespace/name)"
    )
    parser.add_argument("--model-name", help="display name in the card (default: the repository name)")
    parser.add_argument("--revision", default="main", help="the revision the card's usage snippet pins")
    parser.add_argument("--language", nargs="+", default=[], help="language codes (default: the corpus's)")
    parser.add_argument("--license", help="licence id for the card, e.g. apache-2.0")
    parser.add_argument(
        "--dataset", nargs="+", default=[], dest="datasets", help="Hub ids of the training data"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty OUT_DIR")


def folder_size(folder: Path) -> int:
    """Bytes of all files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run(args: argparse.Namespace) -> int:
    card = CardData(
        model_id=args.model_id,
        model_name=args.model_name,
        language=list(args.language),
        license=args.license,
        encoder_id=args.encoder_id,
        datasets=list(args.datasets),
        revision=args.revision,
    )
    start = time.perf_counter()
    out = export_model(
        args.model_dir,
        args.out_dir,
        card,
        heads_only=args.heads_only,
        encoder_revision=args.encoder_revision,
        overwrite=args.overwrite,
    )
    seconds = time.perf_counter() - start
    files = sorted(p.name for p in out.iterdir())
    kind = "heads-only" if args.heads_only else "full"
    print(
        f"exported {kind} folder {out}: {len(files)} files, {folder_size(out) / 1e6:.1f} MB in {seconds:.1f} s"
    )
    print("  " + " ".join(files))
    return 0
