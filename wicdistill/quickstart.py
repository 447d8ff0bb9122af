"""The README main job: the whole method on the embedded default encoder, in a few minutes on a CPU.

1. build a small monolingual corpus of (anchor, positive, negative) triples from the paraphrase
   pairs shipped in the package, with all-MiniLM-L6-v2;
2. cache the encoder's layer stacks and train the meaning/context distillers;
3. score the raw encoder, the meaning vector and the context vector on the bundled WiC dev set
   (threshold tuned on WiC train) and print the table and where the model was saved.

Every stage resumes from what an interrupted run left in ``--output``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", default="outputs/quickstart", help="folder for corpus, features and model"
    )
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2", help="encoder name or folder")
    parser.add_argument("--records", type=int, default=3000, help="training triples to build")
    parser.add_argument(
        "--epochs", type=int, default=8, help="training epochs (early stopping may end sooner)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument(
        "--trust-checkpoint",
        action="store_true",
        help="resume from a checkpoint of an older version (pickled training state) left in OUTPUT/model",
    )


def _stage(number: int, text: str) -> float:
    print(f"\n[{number}/3] {text}", flush=True)
    return time.perf_counter()


def run(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoTokenizer

    from .corpus import CorpusConfig, build_corpus
    from .evaluation import evaluate, format_table, write_report
    from .modeling_wicdistill import WicDistillModel
    from .training.config import LATEST_CHECKPOINT, TrainingConfig
    from .training.loop import train

    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    out = Path(args.output)

    t0 = _stage(
        1, f"building {args.records} training triples from the bundled paraphrases with {args.encoder}"
    )
    stats = build_corpus(
        CorpusConfig(
            inputs=["bundled"],
            encoder=args.encoder,
            negative_strategy="embedding",
            max_records=args.records,
            num_threads=args.threads,
        ),
        out / "corpus",
    )
    print(f"      {stats['records']['total']} triples in {time.perf_counter() - t0:.0f}s -> {out / 'corpus'}")

    t0 = _stage(2, "extracting features and training the distillers")
    config = TrainingConfig(
        corpus=str(out / "corpus"),
        output_dir=str(out / "model"),
        encoder=args.encoder,
        batch_size=64,
        learning_rate=3e-4,
        warmup_steps=50,
        max_epochs=args.epochs,
        evals_per_epoch=4,
        patience=6,
        validation_fraction=0.05,
        resume_from_checkpoint=LATEST_CHECKPOINT,
        trust_checkpoint=args.trust_checkpoint,
        checkpoint_every=50,
        report_to="tensorboard",
    )
    summary = train(config)
    training = summary["training"]
    print(
        f"      {training['steps']} steps, best validation loss {training['best_validation_loss']:.4f} "
        f"at step {training['best_step']}, {time.perf_counter() - t0:.0f}s"
    )

    t0 = _stage(3, "evaluating on WiC dev (threshold tuned on WiC train): raw encoder vs meaning vs context")
    model = WicDistillModel.from_pretrained(config.output_dir)
    tokenizer = AutoTokenizer.from_pretrained(config.output_dir)
    report = evaluate(model, tokenizer, ["wic"], model_name="quickstart")
    write_report(report, config.output_dir)
    print(format_table(report).split("\n## Details")[0])
    print(f"model saved in {config.output_dir} (load it with WicDistillModel.from_pretrained)")
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0
