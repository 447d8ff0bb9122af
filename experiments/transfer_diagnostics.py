"""Why a threshold tuned on X–X pairs misses X–en pairs for one language: four looks at one model.

1. accuracy of MCL-WiC X–X dev and AM2iCo X–en dev over a grid of thresholds (is the X–X optimum
   sharp, and where does the X–en one sit?);
2. AM2iCo with its non-English context cut to ±W characters around the target (does context
   length move the X–en similarities?);
3. AM2iCo by the Chinese target's length in characters (zh only: its targets are often long
   compounds and names) and by a capitalised English target;
4. the in-sample same-form bonus per positive language on training records: cos(q, s) − cos(q, t),
   s the same form in another sentence, t the English word aligned to s (what form consistency
   drives to zero).

    python experiments/transfer_diagnostics.py runs/NAME --language zh \
        --corpus ~/.cache/wicdistill/corpora/xling-e5-half --output experiments/results/xling-diagnostics/NAME-zh.json

Meaning vectors throughout; thresholds from MCL-WiC dev of ``--language`` (in-sample optimum).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from refit_centers import run_training_records  # experiments/, next to this script
from transformers import AutoTokenizer

from wicdistill import WicDistillModel
from wicdistill.backbones import resolve_encoder
from wicdistill.corpus import read_corpus
from wicdistill.evaluation.context import EvalContext
from wicdistill.evaluation.data_roots import DataRoots
from wicdistill.evaluation.loaders import load_am2ico, load_mcl_wic
from wicdistill.evaluation.metrics import accuracy, best_threshold, roc_auc
from wicdistill.evaluation.pairs import PairSet
from wicdistill.evaluation.protocols.pair_cosines import PairCosines, pair_cosines
from wicdistill.evaluation.stack_store import StackStore
from wicdistill.evaluation.vectors import VectorCache
from wicdistill.io_utils import atomic_write_json
from wicdistill.training.config import TrainingConfig
from wicdistill.training.partners import same_form_partners
from wicdistill.training.records import positive_languages

GRID = np.round(np.arange(0.50, 0.90, 0.02), 2)


def windowed(pairs: PairSet, width: int) -> PairSet:
    """The same pairs with the first (non-English) context cut to ``width`` characters each side."""
    out = []
    for pair in pairs.pairs:
        (start, end), *_ = pair.first.spans
        lo, hi = max(0, start - width), min(len(pair.first.text), end + width)
        spans = tuple((s - lo, e - lo) for s, e in pair.first.spans)
        out.append(replace(pair, first=replace(pair.first, text=pair.first.text[lo:hi], spans=spans)))
    return PairSet(pairs.source, out, pairs.unlocatable, pairs.n_total)


def summary(scored: PairCosines, threshold: float, keep: np.ndarray | None = None) -> dict:
    cos, gold = scored.cosines["meaning"], scored.gold
    if keep is not None:
        cos, gold = cos[keep], gold[keep]
    own_threshold, own = best_threshold(cos, gold)
    return {
        "pairs": int(len(gold)),
        "transferred": round(100 * accuracy(cos, gold, threshold), 1),
        "own": round(100 * own, 1),
        "own_threshold": round(float(own_threshold), 3),
        "auc": round(float(roc_auc(cos, gold)), 3),
        "mean_same": round(float(cos[gold == 1].mean()), 3),
        "mean_different": round(float(cos[gold == 0].mean()), 3),
    }


def form_bonus(model, tokenizer, run: Path, corpus_dir: str, per_language: int) -> dict:
    """Same-form bonus on records the run trained on, with the partners its training drew."""
    corpus = read_corpus(corpus_dir)
    train_ids, seed = run_training_records(run, corpus, TrainingConfig.validation_fraction)
    table = same_form_partners(corpus, train_ids, seed)
    languages = positive_languages(corpus)
    rng = np.random.default_rng(seed)
    result = {}
    for language in sorted(set(languages) - {""}):
        rows = np.array([r for r in train_ids if languages[r] == language and table[r, 0] >= 0])
        if len(rows) == 0:
            continue
        rows = rng.choice(rows, min(per_language, len(rows)), replace=False)
        partners = table[rows, 0]
        items = [
            (corpus.texts[role][i], corpus.starts[role][i], corpus.ends[role][i])
            for role, ids in (("positive", rows), ("positive", partners), ("anchor", partners))
            for i in ids
        ]
        vectors = model.encode(items, tokenizer, output=["baseline", "meaning"])
        result[language] = {"records": int(len(rows))}
        for row in ("baseline", "meaning"):
            q, s, t = F.normalize(torch.as_tensor(vectors[row]).float(), dim=-1).split(len(rows))
            same, translated = (q * s).sum(-1), (q * t).sum(-1)
            result[language][row] = {
                "cos_same_form": round(float(same.mean()), 3),
                "cos_translation": round(float(translated.mean()), 3),
                "bonus": round(float((same - translated).mean()), 3),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", help="a trained wicdistill model folder")
    parser.add_argument(
        "--language", default="zh", help="an MCL-WiC X–X language that AM2iCo has (ar, ru, zh)"
    )
    parser.add_argument("--corpus", help="the training corpus folder (for the in-sample form bonus)")
    parser.add_argument("--per_language", type=int, default=250, help="training records per language")
    parser.add_argument("--widths", default="20,40", help="context half-widths in characters")
    parser.add_argument("--stack_cache", default=os.path.expanduser("~/.cache/wicdistill/stacks"))
    parser.add_argument("--output", required=True, help="JSON file to write")
    args = parser.parse_args()
    if args.language not in ("ar", "ru", "zh"):
        raise SystemExit(
            f"--language must be one of ar, ru, zh (MCL-WiC X–X and AM2iCo), got {args.language!r}"
        )

    torch.manual_seed(0)
    model = WicDistillModel.from_pretrained(args.model).eval()
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(model.config.encoder_name_or_path))
    roots = DataRoots()
    context = EvalContext(model, tokenizer, roots, cache=VectorCache(StackStore(args.stack_cache, model)))
    lang = args.language
    mcl = load_mcl_wic(roots.require(f"mcl-wic/dev/multilingual/dev.{lang}-{lang}.data", "diagnostics"))
    am2ico = load_am2ico(roots.require(f"am2ico/{lang}/dev.tsv", "diagnostics"))
    widths = [int(w) for w in args.widths.split(",") if w]
    scored = pair_cosines(context, [mcl, am2ico] + [windowed(am2ico, w) for w in widths])
    x_x, x_en, cut = scored[0], scored[1], scored[2:]
    threshold, _ = best_threshold(x_x.cosines["meaning"], x_x.gold)
    lengths = np.array([sum(e - s for s, e in p.first.spans) for p in x_en.pairs])
    capitalised = np.array([p.second.text[p.second.spans[0][0]].isupper() for p in x_en.pairs])
    report = {
        "model": os.path.basename(os.path.normpath(args.model)),
        "language": lang,
        "transferred_threshold": round(float(threshold), 3),
        "curves": {
            "threshold": GRID.tolist(),
            "mcl_x_x": [round(100 * accuracy(x_x.cosines["meaning"], x_x.gold, t), 1) for t in GRID],
            "am2ico_x_en": [round(100 * accuracy(x_en.cosines["meaning"], x_en.gold, t), 1) for t in GRID],
        },
        "mcl_x_x": summary(x_x, threshold),
        "am2ico": summary(x_en, threshold),
        "am2ico_windowed": {str(w): summary(s, threshold) for w, s in zip(widths, cut)},
        "am2ico_by_length": {
            name: summary(x_en, threshold, keep)
            for name, keep in (
                ("1", lengths == 1),
                ("2", lengths == 2),
                ("3", lengths == 3),
                ("4+", lengths >= 4),
            )
            if lang == "zh" and len(set(x_en.gold[keep].tolist())) == 2
        },
        "am2ico_by_english_case": {
            "capitalised": summary(x_en, threshold, capitalised),
            "lower": summary(x_en, threshold, ~capitalised),
        },
    }
    if args.corpus:
        report["form_bonus_in_sample"] = form_bonus(
            model, tokenizer, Path(args.model), args.corpus, args.per_language
        )
    atomic_write_json(args.output, report)
    for key in ("mcl_x_x", "am2ico"):
        print(key, report[key])
    for width, row in report["am2ico_windowed"].items():
        print(f"am2ico, context ±{width}:", row)
    for name, row in report["am2ico_by_length"].items():
        print(f"am2ico, target of {name} characters:", row)
    for language, row in report.get("form_bonus_in_sample", {}).items():
        print(f"form bonus {language}:", row)


if __name__ == "__main__":
    main()
