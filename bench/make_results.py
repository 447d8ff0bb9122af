"""Write docs/results.md from the evaluation and training JSON files under bench/results.

    python bench/make_results.py            # rewrites docs/results.md

Every number in docs/results.md comes from a file in bench/results; the prose around the tables
(what was tried, why, what it did) lives in bench/results/notes.md and is copied in verbatim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "docs" / "results.md"
MCL = ("ar", "en", "fr", "ru", "zh")
AM2ICO = ("ar", "de", "ru", "zh")
AM2ICO_UNTRAINED = ("bn", "eu", "fi", "id", "ja", "ka", "kk", "ko", "tr", "ur")
OFFSET = ("ar", "de", "fr", "ru", "zh")
ROWS = ("baseline", "meaning", "context")

MINILM_TRAIN = (
    "python train_accelerate.py --corpus ~/.cache/wicdistill/corpora/en-minilm "
    "--features_dir ~/.cache/wicdistill/features/en-minilm-all --learning_rate 3e-4 --batch_size 128 "
    "--warmup_steps 200 --max_epochs 6 --evals_per_epoch 4 --patience 8 --output_dir runs/NAME"
)
E5_TRAIN = (
    "python train_accelerate.py --corpus ~/.cache/wicdistill/corpora/xling-e5 "
    "--features_dir ~/.cache/wicdistill/features/xling-e5-all --encoder multilingual-e5-small "
    "--learning_rate 3e-4 --batch_size 128 --warmup_steps 200 --max_epochs 6 --evals_per_epoch 4 "
    "--patience 8 --output_dir runs/NAME"
)

SAME_SENTENCE = "[v0: 8 % of anchor-side partners were the same sentence]"
HALF_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-half --features_dir ~/.cache/wicdistill/features/xling-e5-half-upper "
    "(corpus: the recipe-2 build with --sample-fraction 0.5; offsets still on the 25 % build's held-out pairs)"
)
FULL_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-full --features_dir ~/.cache/wicdistill/features/xling-e5-full-upper "
    "(corpus: the recipe-2 build without --sample-fraction, all of its bitext; offsets still on the 25 % build's held-out pairs)"
)
JIEBA_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-half-jieba --features_dir ~/.cache/wicdistill/features/xling-e5-half-jieba-upper "
    "(corpus: the recipe-2 build with --sample-fraction 0.5 --unspaced-words jieba; offsets still on the 25 % build's held-out pairs)"
)
ALL_TASKS = "(evaluated with --tasks wic,mcl-wic-dev,am2ico-dev,am2ico-transfer,offset)"
EMB_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-half-emb --features_dir ~/.cache/wicdistill/features/xling-e5-half-emb-upper "
    "(corpus: the recipe-2 build with --sample-fraction 0.5 --negatives embedding: the same records, other negatives; "
    "offsets on the 25 % build's held-out pairs)"
)
REFIT = (
    "(centres fitted on the saved recipe run with bench/refit_centers.py: centring does not change "
    "training, so this is the model the flag gives)"
)
HALF16_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-half16 --features_dir ~/.cache/wicdistill/features/xling-e5-half16-upper "
    "(corpus: the 50 % build joined by bench/merge_builds.py with a build of the same options over "
    "tatoeba:…:ben,eus,fin,ind,jpn,kat,kaz,kor,tur,urd and ntrex:…:the same codes, 17,124 records; "
    "evaluated with --heldout the 25 % build's heldout.jsonl followed by that build's heldout.jsonl, "
    "--tasks wic,mcl-wic-dev,am2ico-dev,am2ico-transfer,offset)"
)
NAMES_CORPUS = (
    "--corpus ~/.cache/wicdistill/corpora/xling-e5-names --features_dir ~/.cache/wicdistill/features/xling-e5-names-upper "
    "(corpus: the recipe-2 build with --keep-capitalised)"
)

RECIPE = "--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6"
GLOBAL_REFIT = (
    "(the mean fitted on the saved run with bench/refit_centers.py --global: centring does not change "
    "training, so this is the model the flag gives)"
)
SHIFT = (
    "(one-off, not shipped: the centring buffer of X_align_half_form30_6ep_center_sN with the "
    "all-language mean subtracted from each language's mean and the fallback row set to zero)"
)


@dataclass(frozen=True)
class Run:
    name: str
    change: str
    flags: str


ABLATIONS = (
    Run(
        "M8k_upper",
        "reference: layers 4–6, embedding negatives, 1 distiller layer",
        "--layers 4,5,6 --max_train_records 8000",
    ),
    Run("M8k_noneg", "no negatives", "--layers 4,5,6 --max_train_records 8000 --use_negatives false"),
    Run(
        "M8k_random",
        "random (frequency-matched) negatives",
        "--layers 4,5,6 --max_train_records 8000 (corpus built with --negatives random)",
    ),
    Run("M8k_all", "all layers 0–6", "--layers 0,1,2,3,4,5,6 --max_train_records 8000"),
    Run("M8k_mid", "middle band 2–4", "--layers 2,3,4 --max_train_records 8000"),
    Run(
        "M8k_pos",
        "learned layer-position embedding",
        "--layers 4,5,6 --max_train_records 8000 --layer_position_embedding true",
    ),
    Run("M8k_2layer", "two distiller layers", "--layers 4,5,6 --max_train_records 8000 --distiller_layers 2"),
    Run(
        "M7k_diffword",
        "only positives that are another word (embedding-aligned; 6,968 records, 7 epochs)",
        "--layers 4,5,6 --max_epochs 7 (corpus: the en-minilm train records with alignment mutual_argmax, i.e. positives found by embedding alignment, not surface/stem match)",
    ),
)
CURVE = (
    Run("M2k_upper", "2,000 records", "--max_train_records 2000"),
    Run("M8k_upper", "8,000 records", "--max_train_records 8000"),
    Run("M16k_upper", "16,000 records", "--max_train_records 16000"),
    Run("M32k_upper", "all 30,907 records", ""),
)
XLING = (
    Run("X_paper", "paper loss (recipe 2)", ""),
    Run(
        "X_align", "+ contrastive alignment M(anchor)–M(positive), weight 1, τ 0.05", "--alignment_weight 1.0"
    ),
    Run("X_center", "+ per-language meaning centring", "--language_centering true"),
    Run("X_align_center", "+ alignment + centring", "--alignment_weight 1.0 --language_centering true"),
    Run(
        "X_align_mid",
        "+ alignment, layers 4–9 instead of 7–12",
        "--alignment_weight 1.0 --layers 4,5,6,7,8,9",
    ),
    Run("X_align_w3", "+ alignment, weight 3", "--alignment_weight 3.0"),
    Run(
        "X_align_drop",
        "+ alignment, positives identical to the anchor dropped",
        "--alignment_weight 1.0 --drop_identical_positives true",
    ),
    Run(
        "X_align_xctx",
        "+ alignment, cross-context positives (23 % of records re-paired)",
        "--alignment_weight 1.0 --cross_context_positives true",
    ),
    Run(
        "X_align_bal",
        "+ alignment, languages balanced (same 648 steps)",
        "--alignment_weight 1.0 --balance_languages true --max_steps 648",
    ),
    Run(
        "X_align_pos",
        "+ alignment, learned layer-position embedding",
        "--alignment_weight 1.0 --layer_position_embedding true",
    ),
    Run(
        "X_align_half",
        "+ alignment, twice the bitext (50 % sample, 26,859 records; 3 epochs ≈ same steps)",
        f"--alignment_weight 1.0 --max_epochs 3 {HALF_CORPUS}",
    ),
    Run("X_align_top", "+ alignment, top layers 10–12 only", "--alignment_weight 1.0 --layers 10,11,12"),
    Run(
        "X_align_top_half",
        "+ alignment, top layers 10–12, twice the bitext",
        f"--alignment_weight 1.0 --layers 10,11,12 --max_epochs 3 {HALF_CORPUS}",
    ),
    Run(
        "X_align_xctx_half",
        "+ alignment, twice the bitext, cross-context positives (31 % re-paired)",
        f"--alignment_weight 1.0 --max_epochs 3 --cross_context_positives true {HALF_CORPUS}",
    ),
    Run(
        "X_align_form30",
        "+ alignment, form consistency weight 30 (the aligned recipe's terms, 25 % bitext)",
        "--alignment_weight 1.0 --form_consistency_weight 30",
    ),
    Run("X_align_s1", "+ alignment (X_align), seed 1", "--alignment_weight 1.0 --seed 1"),
    Run(
        "X_align_form30_s1",
        "+ alignment, form consistency weight 30, seed 1",
        "--alignment_weight 1.0 --form_consistency_weight 30 --seed 1",
    ),
    Run(
        "X_align_form30_center",
        "+ alignment, form consistency weight 30, per-language centring",
        "--alignment_weight 1.0 --form_consistency_weight 30 --language_centering true",
    ),
    Run(
        "X_align_half_form30b",
        "+ alignment, form consistency weight 30, twice the bitext",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30b_s1",
        "+ alignment, form consistency weight 30, twice the bitext, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 --seed 1 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30b_s2",
        "+ alignment, form consistency weight 30, twice the bitext, seed 2",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 --seed 2 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30_6ep",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs (the aligned recipe)",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30_6ep_s1",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30_6ep_s2",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs, seed 2",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 2 {HALF_CORPUS}",
    ),
    Run(
        "X_align_half_form30_6ep_center",
        "the aligned recipe + per-language centring at inference",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --language_centering true "
        f"{HALF_CORPUS} {REFIT}",
    ),
    Run(
        "X_align_half_form30_6ep_center_s1",
        "the aligned recipe, seed 1 + per-language centring at inference",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 --language_centering true "
        f"{HALF_CORPUS} {REFIT}",
    ),
    Run(
        "X_align_half_form30_6ep_center_s2",
        "the aligned recipe, seed 2 + per-language centring at inference",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 2 --language_centering true "
        f"{HALF_CORPUS} {REFIT}",
    ),
    Run(
        "X_align_half_form30_6ep_closs",
        "the aligned recipe + centring, alignment and form terms on centred vectors",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --language_centering true "
        f"--centered_loss true {HALF_CORPUS} (wicdistill 2cc0169)",
    ),
    Run(
        "X_align_half_form30_6ep_closs_s1",
        "the aligned recipe, seed 1 + centring, alignment and form terms on centred vectors",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 --language_centering true "
        f"--centered_loss true {HALF_CORPUS} (wicdistill 2cc0169)",
    ),
    Run(
        "X_align_half_form30_6ep_osn",
        "the aligned recipe + other-sense negatives in the alignment term",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --other_sense_negatives true "
        f"{HALF_CORPUS} {ALL_TASKS}",
    ),
    Run(
        "X_align_half_form30_6ep_osn_s1",
        "the aligned recipe + other-sense negatives, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --other_sense_negatives true "
        f"--seed 1 {HALF_CORPUS} {ALL_TASKS}",
    ),
    Run(
        "X_align_half_form30_6ep_osn_s2",
        "the aligned recipe + other-sense negatives, seed 2",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --other_sense_negatives true "
        f"--seed 2 {HALF_CORPUS} {ALL_TASKS}",
    ),
    Run(
        "X_align_half_emb_form30_6ep",
        "the aligned recipe with embedding (plausible-word) negatives instead of random ones",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 {EMB_CORPUS} {ALL_TASKS}",
    ),
    Run(
        "X_align_half_emb_form30_6ep_s1",
        "the aligned recipe with embedding negatives, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 {EMB_CORPUS} {ALL_TASKS}",
    ),
    *(
        Run(
            f"X_align_half_form30_6ep_s{seed}",
            f"+ alignment, form consistency weight 30, twice the bitext, 6 epochs, seed {seed}",
            f"{RECIPE} --seed {seed} {HALF_CORPUS} {ALL_TASKS}",
        )
        for seed in (3, 4)
    ),
    *(
        Run(
            f"X_align_half_form30_6ep_center_s{seed}",
            f"the aligned recipe, seed {seed} + per-language centring at inference",
            f"{RECIPE} --seed {seed} --language_centering true {HALF_CORPUS} {REFIT} {ALL_TASKS}",
        )
        for seed in (3, 4)
    ),
    *(
        Run(
            f"X_align_half_form30_6ep_shift_s{seed}",
            f"the aligned recipe, seed {seed} + only each language's departure from the shared mean removed",
            f"{RECIPE} --seed {seed} {HALF_CORPUS} {SHIFT} {ALL_TASKS}",
        )
        for seed in (3, 4)
    ),
    *(
        Run(
            "X_align_half_form30_6ep_global" + (f"_s{seed}" if seed else ""),
            f"the aligned recipe, seed {seed} + global centring (one mean, no language needed; the shipped recipe)",
            f"{RECIPE} --seed {seed} --global_centering true {HALF_CORPUS} {GLOBAL_REFIT} {ALL_TASKS}",
        )
        for seed in range(5)
    ),
    *(
        Run(
            f"X_align_half_form30_6ep_osn{suffix}_global",
            f"the aligned recipe + other-sense negatives, seed {seed} + global centring",
            f"{RECIPE} --other_sense_negatives true --seed {seed} --global_centering true {HALF_CORPUS} "
            f"{GLOBAL_REFIT} {ALL_TASKS}",
        )
        for seed, suffix in ((0, ""), (1, "_s1"), (2, "_s2"))
    ),
    *(
        Run(
            f"X_align_half_emb_form30_6ep{suffix}_global",
            f"the aligned recipe with embedding negatives, seed {seed} + global centring",
            f"{RECIPE} --seed {seed} --global_centering true {EMB_CORPUS} {GLOBAL_REFIT} {ALL_TASKS}",
        )
        for seed, suffix in ((0, ""), (1, "_s1"))
    ),
    Run(
        "X_align_full_form30",
        "+ alignment, form consistency weight 30, all the bitext (4× the paper recipe's), 3 epochs",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 {FULL_CORPUS}",
    ),
    Run(
        "X_align_full_form30_s1",
        "+ alignment, form consistency weight 30, all the bitext, 3 epochs, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 --seed 1 {FULL_CORPUS}",
    ),
    Run(
        "X_align_full_form30_s2",
        "+ alignment, form consistency weight 30, all the bitext, 3 epochs, seed 2",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 --seed 2 {FULL_CORPUS}",
    ),
    Run(
        "X_align_full_form30_6ep",
        "+ alignment, form consistency weight 30, all the bitext, 6 epochs",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 {FULL_CORPUS}",
    ),
    Run(
        "X_align_half_jieba_form30_6ep",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs, Chinese cut into jieba words",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 {JIEBA_CORPUS}",
    ),
    Run(
        "X_align_half_jieba_form30_6ep_s1",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs, jieba words, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 {JIEBA_CORPUS}",
    ),
    Run(
        "X_align_half_jieba_form30_6ep_s2",
        "+ alignment, form consistency weight 30, twice the bitext, 6 epochs, jieba words, seed 2",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 2 {JIEBA_CORPUS}",
    ),
    Run(
        "X_align_half16_form30_6ep",
        "the aligned recipe plus bitext for the ten AM2iCo-only languages (16 languages)",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 {HALF16_CORPUS}",
    ),
    Run(
        "X_align_half16_form30_6ep_s1",
        "the aligned recipe on 16 languages, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 6 --seed 1 {HALF16_CORPUS}",
    ),
    Run(
        "X_align_form30_names",
        "+ alignment, form consistency weight 30, names kept as targets (25 % bitext)",
        f"--alignment_weight 1.0 --form_consistency_weight 30 {NAMES_CORPUS}",
    ),
    Run(
        "X_align_form30_names_s1",
        "+ alignment, form consistency weight 30, names kept as targets, seed 1",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --seed 1 {NAMES_CORPUS}",
    ),
    Run(
        "X_align_form30_t10",
        "+ alignment at temperature 0.1 (not 0.05), form consistency weight 30",
        "--alignment_weight 1.0 --alignment_temperature 0.1 --form_consistency_weight 30",
    ),
    Run(
        "X_align_form30_t10_s1",
        "+ alignment at temperature 0.1, form consistency weight 30, seed 1",
        "--alignment_weight 1.0 --alignment_temperature 0.1 --form_consistency_weight 30 --seed 1",
    ),
    Run(
        "X_align_form30v0",
        f"+ alignment, form consistency weight 30 {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 30 (wicdistill d90686e)",
    ),
    Run(
        "X_align_form30v0_s1",
        f"+ alignment, form consistency weight 30, seed 1 {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 30 --seed 1 (wicdistill d90686e)",
    ),
    Run(
        "X_align_form10",
        f"+ alignment, form consistency weight 10 {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 10 (wicdistill d90686e)",
    ),
    Run(
        "X_align_form100",
        f"+ alignment, form consistency weight 100 {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 100 (wicdistill d90686e)",
    ),
    Run(
        "X_align_top_form30",
        f"+ alignment, form consistency weight 30, top layers 10–12 {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 30 --layers 10,11,12 (wicdistill d90686e)",
    ),
    Run(
        "X_align_half_form30",
        f"+ alignment, form consistency weight 30, twice the bitext {SAME_SENTENCE}",
        f"--alignment_weight 1.0 --form_consistency_weight 30 --max_epochs 3 {HALF_CORPUS} (wicdistill d90686e)",
    ),
    Run(
        "X_align_xctx_form30",
        f"+ alignment, form consistency weight 30, cross-context positives {SAME_SENTENCE}",
        "--alignment_weight 1.0 --form_consistency_weight 30 --cross_context_positives true (wicdistill d90686e)",
    ),
    Run(
        "X_align_form30_bias100",
        "+ alignment, form consistency 30, form bias (squared batch-mean gap) 100 [term since removed]",
        "--alignment_weight 1.0 --form_consistency_weight 30 --form_bias_weight 100 (wicdistill 1d999f8)",
    ),
    Run(
        "X_align_form30_bias300",
        "+ alignment, form consistency 30, form bias 300 [term since removed]",
        "--alignment_weight 1.0 --form_consistency_weight 30 --form_bias_weight 300 (wicdistill 1d999f8)",
    ),
)

SIXTEEN = ("X_align_half16_form30_6ep", "X_align_half16_form30_6ep_s1")

# Trained runs re-evaluated on WiC dev and AM2iCo in all 14 languages (bench/results/xling-wide).
WIDE = (
    ("X_paper", "paper loss (recipe 2)"),
    ("X_align", "+ alignment"),
    ("X_align_half_form30_6ep", "the aligned recipe, seed 0"),
    ("X_align_half_form30_6ep_s1", "the aligned recipe, seed 1"),
    ("X_align_half_form30_6ep_s2", "the aligned recipe, seed 2"),
    ("X_align_half_form30_6ep_s3", "the aligned recipe, seed 3"),
    ("X_align_half_form30_6ep_s4", "the aligned recipe, seed 4"),
    *(
        (
            "X_align_half_form30_6ep_global" + (f"_s{s}" if s else ""),
            f"the aligned recipe + global centring, seed {s}",
        )
        for s in range(5)
    ),
    ("X_align_half_form30_6ep_center", "the aligned recipe + centring, seed 0"),
    ("X_align_half_form30_6ep_center_s1", "the aligned recipe + centring, seed 1"),
    ("X_align_half_form30_6ep_center_s2", "the aligned recipe + centring, seed 2"),
    ("X_align_half_form30_6ep_osn", "the aligned recipe + other-sense negatives, seed 0"),
    ("X_align_half_form30_6ep_osn_s1", "the aligned recipe + other-sense negatives, seed 1"),
    ("X_align_half_form30_6ep_osn_s2", "the aligned recipe + other-sense negatives, seed 2"),
    ("X_align_half_emb_form30_6ep", "the aligned recipe with embedding negatives, seed 0"),
    ("X_align_half_emb_form30_6ep_s1", "the aligned recipe with embedding negatives, seed 1"),
    (SIXTEEN[0], "the aligned recipe on 16 languages (the ten trained on too), seed 0"),
    (SIXTEEN[1], "the aligned recipe on 16 languages (the ten trained on too), seed 1"),
)
RECIPE_SEEDS = ("X_align_half_form30_6ep",) + tuple(
    f"X_align_half_form30_6ep_s{seed}" for seed in range(1, 5)
)
GLOBAL_SEEDS = ("X_align_half_form30_6ep_global",) + tuple(
    f"X_align_half_form30_6ep_global_s{seed}" for seed in range(1, 5)
)


def load(group: str, name: str) -> tuple[dict | None, dict | None]:
    folder = RESULTS / group / name
    report = folder / "evaluation.json"
    summary = folder / "training_summary.json"
    return (
        json.loads(report.read_text()) if report.exists() else None,
        json.loads(summary.read_text()) if summary.exists() else None,
    )


def score(report: dict | None, task: str, row: str, key: str = "score") -> float | None:
    if report is None or task not in report["tasks"]:
        return None
    return report["tasks"][task]["rows"][row].get(key)


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def avg(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return mean(present) if present and len(present) == len(values) else None


def train_facts(summary: dict | None) -> tuple[str, str, str]:
    if summary is None:
        return "–", "–", "–"
    training = summary["training"]
    return (
        f"{summary['corpus']['train_records']:,}",
        f"{training['best_validation_loss']:.4f} @ {training['best_step']}/{training['steps']}",
        f"{summary['wall_time_s']['training']:.0f}",
    )


def training_line(summary: dict | None) -> list[str]:
    records, loss, seconds = train_facts(summary)
    return ["", f"Training: {records} records, best validation loss {loss} steps, {seconds} s.", ""]


def three(report: dict | None, task: str) -> list[str]:
    return [fmt(score(report, task, row)) for row in ROWS]


def commands(train: str, evaluate: str, runs: list[Run]) -> list[str]:
    """The train + evaluate command pair (``NAME`` = run name) and each run's extra flags."""
    lines = [
        "",
        "Commands (one run each; `NAME` is the run name):",
        "",
        "```",
        train + " FLAGS",
        evaluate,
        "```",
    ]
    lines += ["", "| run | FLAGS |", "|---|---|"]
    lines += [f"| {run.name} | `{run.flags or '(none)'}` |" for run in dict.fromkeys(runs)]
    return lines + [""]


def recipe1_section() -> list[str]:
    report, summary = load("recipe1", "minilm-en")
    lines = ["## Recipe 1: all-MiniLM-L6-v2, English (`configs/minilm-en.yaml`)", ""]
    if report is None:
        return lines + ["(not run yet)", ""]
    lines += [
        "| task | metric | pairs | baseline | meaning | context | threshold (baseline / meaning) | tuned on |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for task, entry in report["tasks"].items():
        rows = entry["rows"]
        thresholds = " / ".join(fmt(rows[r].get("threshold"), 3) for r in ("baseline", "meaning"))
        tuned = rows["baseline"].get("tuned_on", "")
        metric = entry["metric"] + (f" ({entry['score_from']})" if entry.get("score_from") else "")
        lines.append(
            f"| {task} | {metric} | {entry['n_pairs']} | {' | '.join(three(report, task))} | "
            f"{thresholds if tuned else '–'} | {tuned or '–'} |"
        )
    return lines + training_line(summary)


def ablation_section() -> list[str]:
    lines = [
        "## Recipe 1 ablations (8,000 training records, 6 epochs, everything else as recipe 1)",
        "",
        "WiC dev accuracy (threshold tuned on WiC train) and SCWS Spearman × 100; `M·C` is the mean cosine",
        "of a WiC target's meaning and context vectors (near 1 = the heads collapsed into one).",
        "",
        "| run | change | WiC base | WiC meaning | WiC context | SCWS base | SCWS meaning | SCWS context | M·C | best val loss @ step | train s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for run in ABLATIONS:
        report, summary = load("ablation", run.name)
        if report is None:
            lines.append(f"| {run.name} | {run.change} | not run |  |  |  |  |  |  |  |  |")
            continue
        split = report["tasks"]["wic"].get("meaning_context_cosine")
        _, loss, seconds = train_facts(summary)
        lines.append(
            f"| {run.name} | {run.change} | {' | '.join(three(report, 'wic'))} | "
            f"{' | '.join(three(report, 'scws'))} | {fmt(split, 3)} | {loss} | {seconds} |"
        )
    lines += [
        "",
        "### Learning curve (layers 4–6)",
        "",
        "| records | WiC meaning | SCWS meaning | WiC base | best val loss @ step |",
        "|---|---:|---:|---:|---|",
    ]
    for run in CURVE:
        report, summary = load("ablation", run.name)
        _, loss, _ = train_facts(summary)
        lines.append(
            f"| {run.change} | {fmt(score(report, 'wic', 'meaning'))} | {fmt(score(report, 'scws', 'meaning'))} | "
            f"{fmt(score(report, 'wic', 'baseline'))} | {loss} |"
        )
    evaluate = (
        "wicdistill evaluate runs/NAME --tasks wic,scws --stack-cache ~/.cache/wicdistill/stacks "
        "--output bench/results/ablation/NAME"
    )
    return lines + commands(MINILM_TRAIN, evaluate, [run for run in ABLATIONS + CURVE if run.flags])


def recipe2_section() -> list[str]:
    report, summary = load("xling", "X_paper")
    lines = ["## Recipe 2: multilingual-e5-small, crosslingual (`configs/e5-crosslingual.yaml`)", ""]
    if report is None:
        return lines + ["(not run yet)", ""]
    lines += [
        "Accuracy with the threshold tuned on the same dev split (the MCL-WiC protocol for X–X dev).",
        "",
        "| task | pairs | baseline | meaning | context | threshold baseline / meaning | AUC baseline / meaning |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    tasks = [f"mcl-wic-dev-{x}" for x in MCL] + [f"am2ico-dev-{x}" for x in AM2ICO]
    for task in tasks:
        entry = report["tasks"].get(task)
        if entry is None:
            continue
        rows = entry["rows"]
        lines.append(
            f"| {task} | {entry['n_pairs']} | {' | '.join(three(report, task))} | "
            f"{fmt(rows['baseline'].get('threshold'), 3)} / {fmt(rows['meaning'].get('threshold'), 3)} | "
            f"{fmt(rows['baseline'].get('auc'), 3)} / {fmt(rows['meaning'].get('auc'), 3)} |"
        )
    for label, names in (
        ("MCL-WiC dev mean", [f"mcl-wic-dev-{x}" for x in MCL]),
        ("AM2iCo dev mean", [f"am2ico-dev-{x}" for x in AM2ICO]),
    ):
        means = [fmt(avg([score(report, t, row) for t in names])) for row in ROWS]
        lines.append(f"| **{label}** | | {' | '.join(means)} | | |")
    return lines + training_line(summary)


def transfer_section() -> list[str]:
    lines = [
        "## Language-neutral meaning vectors (issue 9): transfer of a same-language threshold",
        "",
        "Offset: how far English–X translation cosines (held-back corpus pairs) sit below X–X same-sense",
        "cosines, in units of the X–X same/different separation (MCL-WiC X–X dev, en–en for de); below 1",
        "means a same-language threshold can accept translations. AM2iCo: X–en pairs, accuracy with the",
        "threshold tuned on MCL-WiC X–X dev of the language (en–en for de) vs its own dev-tuned threshold",
        "(in-sample, an upper bound) and vs its own threshold cross-validated (10 folds: each pair judged",
        "at the threshold tuned on the other nine tenths; `oracle_cv_score` in evaluation.json).",
        "",
        "| run | row | "
        + " | ".join(f"offset {x}" for x in OFFSET)
        + " | AM2iCo transferred | AM2iCo own | AM2iCo own, 10-fold CV | AM2iCo AUC | MCL-WiC X–X dev | X–X AUC |",
        "|---|---|" + "---:|" * (len(OFFSET) + 6),
    ]
    seen_baseline = False
    for run in XLING:
        report, _ = load("xling", run.name)
        if report is None:
            lines.append(f"| {run.name} | not run |" + " |" * (len(OFFSET) + 6))
            continue
        rows = ROWS if not seen_baseline else ("meaning", "context")
        seen_baseline = True
        for row in rows:
            label = "raw encoder" if row == "baseline" else f"{run.change}: {row}"
            offsets = [fmt(score(report, f"offset-{x}", row), 2) for x in OFFSET]
            transferred = avg([score(report, f"am2ico-{x}-transfer", row) for x in AM2ICO])
            own = avg([score(report, f"am2ico-dev-{x}", row) for x in AM2ICO])
            own_cv = avg([score(report, f"am2ico-{x}-transfer", row, "oracle_cv_score") for x in AM2ICO])
            auc = avg([score(report, f"am2ico-dev-{x}", row, "auc") for x in AM2ICO])
            xx = avg([score(report, f"mcl-wic-dev-{x}", row) for x in MCL])
            xx_auc = avg([score(report, f"mcl-wic-dev-{x}", row, "auc") for x in MCL])
            lines.append(
                f"| {run.name} | {label} | {' | '.join(offsets)} | {fmt(transferred)} | {fmt(own)} | {fmt(own_cv)} | "
                f"{fmt(auc, 3)} | {fmt(xx)} | {fmt(xx_auc, 3)} |"
            )
    evaluate = (
        "wicdistill evaluate runs/NAME --tasks mcl-wic-dev,am2ico-dev-ar,am2ico-dev-de,am2ico-dev-ru,"
        "am2ico-dev-zh,am2ico-ar-transfer,am2ico-de-transfer,am2ico-ru-transfer,am2ico-zh-transfer,offset "
        "--heldout ~/.cache/wicdistill/corpora/xling-e5/heldout.jsonl --stack-cache ~/.cache/wicdistill/stacks "
        "--output bench/results/xling/NAME"
    )
    return (
        lines
        + form_bonus_table()
        + form_gap_table()
        + commands(E5_TRAIN, evaluate, list(XLING))
        + wide_section()
    )


def wide_section() -> list[str]:
    """WiC dev (the same-language guard) and the threshold transfer on AM2iCo languages never trained on."""
    lines = [
        "### Beyond the trained languages, and English WiC",
        "",
        "The same runs re-evaluated on WiC dev (English, threshold tuned on WiC train) and on AM2iCo dev in",
        "all 14 of its languages. For the ten languages the bitext never held (bn, eu, fi, id, ja, ka, kk,",
        "ko, tr, ur) there is no MCL-WiC set, so the transferred threshold is the one tuned on MCL-WiC",
        'en–en dev; "own" is AM2iCo dev\'s in-sample optimum, as above.',
        "",
        "| run | row | WiC dev | 4 trained: transferred | own | gap | 10 AM2iCo-only: transferred | own | gap | AUC |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    seen_baseline = False
    for name, change in WIDE:
        report = load("xling-wide", name)[0] or load("xling", name)[0]
        if report is None:
            lines.append(f"| {name} | not run |" + " |" * 8)
            continue
        for row in ("meaning",) if seen_baseline else ("baseline", "meaning"):
            cells = [score(report, "wic", row)]
            for languages in (AM2ICO, AM2ICO_UNTRAINED):
                transferred = avg([score(report, f"am2ico-{x}-transfer", row) for x in languages])
                own = avg([score(report, f"am2ico-{x}-transfer", row, "oracle_score") for x in languages])
                cells += [transferred, own, None if own is None or transferred is None else own - transferred]
            cells.append(avg([score(report, f"am2ico-dev-{x}", row, "auc") for x in AM2ICO_UNTRAINED]))
            label = "raw encoder" if row == "baseline" else f"{change}: {row}"
            digits = [1] * 7 + [3]
            lines.append(
                f"| {name} | {label} | " + " | ".join(fmt(c, d) for c, d in zip(cells, digits)) + " |"
            )
        seen_baseline = True
    lines += [
        "",
        "Per language: gap = own − transferred accuracy (mean over seeds).",
        "",
    ]
    paper, _ = load("xling-wide", "X_paper")
    seeds = [load("xling-wide", name)[0] or load("xling", name)[0] for name in RECIPE_SEEDS]
    if paper is None or any(report is None for report in seeds):
        return lines
    groups = [("recipe", seeds)]
    for label, names in (("recipe + global centring", GLOBAL_SEEDS), ("16 languages", SIXTEEN)):
        reports = [report for report in (load("xling", name)[0] for name in names) if report is not None]
        if reports:
            groups.append((label, reports))
    header = "| language | threshold tuned on | raw: transferred | own | gap |" + "".join(
        f" {label} ({len(reports)} seeds): transferred | own | gap |" for label, reports in groups
    )
    lines += [header, "|---|---|" + "---:|" * (3 + 3 * len(groups))]
    for x in sorted(AM2ICO + AM2ICO_UNTRAINED):
        task = f"am2ico-{x}-transfer"
        columns = [[score(paper, task, "baseline"), score(paper, task, "baseline", "oracle_score")]]
        columns += [
            [
                avg([score(r, task, "meaning") for r in reports]),
                avg([score(r, task, "meaning", "oracle_score") for r in reports]),
            ]
            for _, reports in groups
        ]
        cells = [c for transferred, own in columns for c in (transferred, own, own - transferred)]
        tuned = paper["tasks"][task]["rows"]["meaning"]["tuned_on"]
        lines.append(f"| {x} | {tuned} | " + " | ".join(fmt(c) for c in cells) + " |")
    return lines + [
        "",
        "```",
        "wicdistill evaluate runs/NAME --tasks wic,am2ico-transfer,am2ico-dev --stack-cache ~/.cache/wicdistill/stacks "
        "--output bench/results/xling-wide/NAME",
        "```",
        "",
    ]


def form_bonus_table() -> list[str]:
    """Mean cosines behind the transferred threshold: X–X pairs (the same word form) vs X–en pairs."""
    lines = [
        "",
        "Where the transferred threshold lands: mean meaning cosines over ar, de, ru, zh, of the pairs",
        "the threshold is tuned on (MCL-WiC X–X dev, en–en for de: both sentences hold the same word",
        "form) and of the AM2iCo X–en pairs it is applied to (two different words); the last column is",
        "the threshold tuned on AM2iCo dev itself.",
        "",
        "| run | row | X–X same sense | X–X different sense | X–en same sense | X–en different sense | threshold | own threshold |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    seen_baseline = False
    for run in XLING:
        report, _ = load("xling", run.name)
        if report is None:
            continue
        for row in ("meaning",) if seen_baseline else ("baseline", "meaning"):
            tuning = [report["tasks"][f"am2ico-{x}-transfer"]["rows"][row]["tuned_on"] for x in AM2ICO]
            cells = [
                avg([score(report, t, row, "mean_same") for t in tuning]),
                avg([score(report, t, row, "mean_different") for t in tuning]),
                avg([score(report, f"am2ico-{x}-transfer", row, "mean_same") for x in AM2ICO]),
                avg([score(report, f"am2ico-{x}-transfer", row, "mean_different") for x in AM2ICO]),
                avg([score(report, f"am2ico-{x}-transfer", row, "threshold") for x in AM2ICO]),
                avg([score(report, f"am2ico-{x}-transfer", row, "oracle_threshold") for x in AM2ICO]),
            ]
            label = "raw encoder" if row == "baseline" else row
            lines.append(f"| {run.name} | {label} | " + " | ".join(fmt(c, 2) for c in cells) + " |")
        seen_baseline = True
    return lines


def form_gap_table() -> list[str]:
    """The same-form bonus measured on held-back bitext by bench/form_gap.py."""
    path = RESULTS / "xling" / "form_gap.json"
    if not path.exists():
        return []
    report = json.loads(path.read_text())
    lines = [
        "",
        f"Same-form bonus on the {report['heldout_records']} held-back bitext records (`bench/form_gap.py`):",
        "cos(word, same form in another sentence pair) − cos(word, that form's translation there), mean",
        "over the pairs found; 0 means sharing a spelling adds nothing over a translation.",
        "",
        "| model | positive side (X–X vs X–en) | pairs | anchor side (en–en vs en–X) | pairs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, sides in report["models"].items():
        cells = [fmt(sides["positive"]["mean"], 3), str(sides["positive"]["pairs"])]
        cells += [fmt(sides["anchor"]["mean"], 3), str(sides["anchor"]["pairs"])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    notes = RESULTS / "notes.md"
    lines = [
        "# Results",
        "",
        "Generated by `python bench/make_results.py` from the JSON files in `bench/results/`; do not edit",
        "by hand. All numbers are on dev data (WiC dev, SCWS, STS-B dev, MCL-WiC dev, AM2iCo dev),",
        "measured on the 2-core CPU machine; wall times were taken while other runs shared the machine.",
        "",
    ]
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    for section in (recipe1_section, ablation_section, recipe2_section, transfer_section):
        lines += section()
    OUT.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
