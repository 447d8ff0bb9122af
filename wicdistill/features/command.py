"""``wicdistill extract-features``: cache the layer stacks of a corpus for training.

Runs in one process, or sharded over processes with ``accelerate launch --multi_gpu
--num_processes N -m wicdistill.cli extract-features ...`` (each process encodes its own chunks
of the same cache; on a machine without GPUs the processes join over gloo on the CPU).
"""

from __future__ import annotations

import argparse
import json


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus", required=True, help="build-corpus output folder, datasets folder or .jsonl"
    )
    parser.add_argument("--output", required=True, help="cache folder (resumed if it exists)")
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2", help="encoder name or folder")
    parser.add_argument(
        "--layers", default=None, help="hidden-state indices, e.g. 4,5,6 (default: upper half)"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="sentences per encoder forward")
    parser.add_argument("--chunk-sentences", type=int, default=2048, help="sentences per resumable chunk")
    parser.add_argument("--num-workers", type=int, default=0, help="data-loader workers for tokenization")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="re-hash every chunk of an existing cache against its done marker (reads all of stacks.npy)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="delete the cache files in --output and extract afresh"
    )


def run(args: argparse.Namespace) -> int:
    from ..backbones import resolve_encoder
    from ..modeling_wicdistill import WicDistillModel
    from .extract import extract_features

    layers = [int(v) for v in args.layers.replace(",", " ").split()] if args.layers else None
    from ..distributed import make_accelerator

    accelerator = make_accelerator()
    from transformers import AutoTokenizer

    path = resolve_encoder(args.encoder)
    model = WicDistillModel.from_encoder_pretrained(path, layers=layers, encoder_name_or_path=args.encoder)
    model.to(accelerator.device)
    cache = extract_features(
        args.corpus,
        model,
        AutoTokenizer.from_pretrained(path),
        args.output,
        batch_size=args.batch_size,
        chunk_sentences=args.chunk_sentences,
        num_workers=args.num_workers,
        accelerator=accelerator,
        show_progress=not args.no_progress and accelerator.is_local_main_process,
        verify=args.verify,
        overwrite=args.overwrite,
    )
    if accelerator.is_main_process:
        meta = cache.meta
        print(
            json.dumps(
                {
                    "output": args.output,
                    "records": meta["corpus"]["records"],
                    "targets": meta["num_targets"],
                    "sentences": meta["num_sentences"],
                    "shape": meta["shape"],
                    "wall_time_s": meta.get("wall_time_s"),
                }
            )
        )
    return 0
