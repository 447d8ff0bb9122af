"""The training run behind ``train_accelerate.py``: Accelerate, early stopping, exact resume.

Steps: load the encoder and corpus, split off a validation set by source pair, extract (or
reuse) the feature cache, train the distillers with AdamW under a warm-up-then-constant
schedule, check the validation loss ``evals_per_epoch`` times per epoch, stop after
``patience`` checks without improvement, and export the best model with ``save_pretrained``.
Checkpoints (``save_state``) hold model, optimizer, scheduler, RNG and loop state, so a resumed
run replays exactly the batches and dropout masks of an uninterrupted one.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ..backbones import resolve_encoder
from ..corpus.store import heldout_records, read_corpus
from ..features.extract import extract_features
from ..io_utils import atomic_write_json
from ..modeling_wicdistill import WicDistillModel
from ..targets_wicdistill import encoder_max_length
from .config import TrainingConfig
from .data import (
    CachedTriples,
    EpochShuffleSampler,
    OnTheFlyTriples,
    balanced_records,
    canonical_triples,
    corpus_languages,
    cross_context_partners,
    identical_positives,
    identity_collate,
    other_sense_partners,
    same_form_partners,
    split_records,
)
from .finish import evaluate_saved_model, push, write_card
from .heads import DistillerHeads
from .summary import hardware, library_versions

CHECKPOINT_PREFIX = "step-"
LOSS_READ_EVERY = 25  # steps between reading train losses back from the device


@dataclass
class TrainerState:
    """Loop position and early-stopping record; saved inside every checkpoint."""

    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_validation_loss: float = math.inf
    best_step: int = -1
    checks_without_improvement: int = 0
    stopped_early: bool = False
    loss_curve: list[dict[str, float]] = field(default_factory=list)

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)


# called after every optimiser step; ``state.loss_curve`` may lag by up to LOSS_READ_EVERY steps
StepCallback = Callable[[TrainerState], None]


def _warmup_then_constant(warmup_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        return 1.0 if warmup_steps == 0 else min(1.0, (step + 1) / warmup_steps)

    return factor


def _checkpoints(root: Path) -> list[Path]:
    return sorted(
        p for p in root.glob(f"{CHECKPOINT_PREFIX}*") if p.is_dir() and (p / "trainer_done").exists()
    )


def resolve_checkpoint(output_dir: Path, value: str | None) -> Path | None:
    """``latest`` -> the newest complete checkpoint of the run (None when there is none yet)."""
    if value is None:
        return None
    if value == "latest":
        found = _checkpoints(output_dir / "checkpoints")
        return found[-1] if found else None
    path = Path(value)
    if not (path / "trainer_done").exists():
        raise FileNotFoundError(f"{path} is not a complete wicdistill checkpoint (no trainer_done marker)")
    return path


CENTERING_RECORDS = 20000


@torch.no_grad()
def fit_centers(model: Any, dataset: Any, corpus: Any, device: torch.device) -> None:
    """Fit the meaning means (per language, and over all) on up to 20k training records, all three roles."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    base.eval()
    positions = np.linspace(0, len(dataset) - 1, min(len(dataset), CENTERING_RECORDS)).astype(int).tolist()
    meanings, langs = [], []
    for start in range(0, len(positions), 256):
        chunk = positions[start : start + 256]
        batch = {k: v.to(device) for k, v in dataset.__getitems__(chunk).items() if k != "negative_host"}
        meanings.append(base(**batch).meaning.float().cpu())
        anchors, partners = dataset.records[chunk], dataset.partners[chunk]
        langs += [_lang(corpus, "anchor", r) for r in anchors]
        langs += [_lang(corpus, role, r) for role in ("positive", "negative") for r in partners]
    base.fit_meaning_centers(torch.cat(meanings), langs)


def _lang(corpus: Any, role: str, record: int) -> str:
    """A record's language in one role ("" where the corpus records none: global centring needs none)."""
    langs = corpus.langs.get(role)
    return langs[record] if langs else ""


def _trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {
        n: p.detach().to("cpu", copy=True).contiguous()
        for n, p in model.named_parameters()
        if p.requires_grad
    }


def _corpus_summary(
    corpus: Any,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    path: str,
    partners: np.ndarray | None,
    form_table: np.ndarray | None,
    sense_table: np.ndarray | None,
) -> dict[str, Any]:
    settings = sorted(set(corpus.settings))
    languages = sorted(
        {lang for role in ("anchor", "positive") for lang in getattr(corpus, "langs", {}).get(role, [])}
    )
    return {
        "path": str(path),
        "setting": settings[0] if len(settings) == 1 else "mixed",
        "languages": languages,
        "train_records": int(len(train_ids)),
        "validation_records": int(len(val_ids)),
        "negative_strategies": dict(_count(getattr(corpus, "negative_strategies", []))),
        "positive_sources": dict(_count(getattr(corpus, "positive_sources", []))),
        "cross_context_records": None if partners is None else int((partners != train_ids).sum()),
        "same_form_partners": None
        if form_table is None
        else {
            "positive": int((form_table[train_ids, 0] >= 0).sum()),
            "anchor": int((form_table[train_ids, 1] >= 0).sum()),
        },
        "other_sense_partners": None
        if sense_table is None
        else {
            "anchor": int((sense_table[train_ids, 0] >= 0).sum()),
            "positive": int((sense_table[train_ids, 1] >= 0).sum()),
        },
    }


def _count(values: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _build_model(config: TrainingConfig, languages: list[str] | None) -> tuple[WicDistillModel, Any, str]:
    from transformers import AutoTokenizer

    path = resolve_encoder(config.encoder)
    model = WicDistillModel.from_encoder_pretrained(
        path,
        layers=config.layers,
        distiller_layers=config.distiller_layers,
        distiller_heads=config.distiller_heads,
        distiller_ffn_multiplier=config.distiller_ffn_multiplier,
        distiller_dropout=config.distiller_dropout,
        layer_position_embedding=config.layer_position_embedding,
        use_negatives=config.use_negatives,
        centering_languages=languages,
        alignment_weight=config.alignment_weight,
        alignment_temperature=config.alignment_temperature,
        form_consistency_weight=config.form_consistency_weight,
        encoder_name_or_path=config.encoder,
    )
    return model, AutoTokenizer.from_pretrained(path), path


def train(config: TrainingConfig, callbacks: Sequence[StepCallback] = ()) -> dict[str, Any]:
    """Run (or resume) a training run and return its summary (also written as JSON)."""
    from accelerate.utils import DataLoaderConfiguration, set_seed

    from ..distributed import make_accelerator

    config.validate()
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    started = time.perf_counter()
    output_dir = Path(config.output_dir)
    accelerator = make_accelerator(
        dataloader_config=DataLoaderConfiguration(non_blocking=True),
        mixed_precision=config.mixed_precision,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        log_with="tensorboard" if config.report_to == "tensorboard" else None,
        project_dir=str(output_dir / "logs"),
    )
    set_seed(config.seed)
    corpus = read_corpus(config.corpus)
    languages = corpus_languages(corpus) if config.language_centering else None
    if config.language_centering and not languages:
        raise ValueError("language_centering needs a corpus whose records carry a 'lang' per word")
    if config.global_centering:
        languages = []  # one row: the mean over all training targets, for every text
    model, tokenizer, encoder_path = _build_model(config, languages)
    train_ids, val_ids = split_records(corpus.pair_ids, config.validation_fraction, config.seed)
    if config.drop_identical_positives:
        train_ids = train_ids[~identical_positives(corpus)[train_ids]]
        if len(train_ids) == 0:
            raise ValueError(
                "drop_identical_positives left no training record: every positive is its anchor's word"
            )
    if config.max_train_records is not None and config.max_train_records < len(train_ids):
        # a seeded subset (learning curves); the validation split and the feature cache stay the same
        keep = np.random.default_rng(config.seed).permutation(len(train_ids))[: config.max_train_records]
        train_ids = np.sort(train_ids[keep])

    if config.balance_languages:
        train_ids = balanced_records(corpus, train_ids, config.seed)
    partners = (
        cross_context_partners(corpus, train_ids, config.seed) if config.cross_context_positives else None
    )
    form_table = (
        same_form_partners(corpus, train_ids, config.seed) if config.form_consistency_weight > 0 else None
    )
    sense_table = (
        other_sense_partners(corpus, train_ids, config.seed) if config.other_sense_negatives else None
    )

    feature_seconds = 0.0
    if config.on_the_fly:
        limit = encoder_max_length(model.encoder, tokenizer)
        train_set = OnTheFlyTriples(corpus, train_ids, tokenizer, limit, partners, form_table, sense_table)
        val_set = OnTheFlyTriples(corpus, val_ids, tokenizer, limit)
    else:
        model.to(accelerator.device)
        feature_started = time.perf_counter()
        cache = extract_features(
            corpus,
            model,
            tokenizer,
            config.features_dir or output_dir / "features",
            batch_size=config.extraction_batch_size,
            num_workers=config.dataloader_num_workers,
            accelerator=accelerator,
            show_progress=config.show_progress and accelerator.is_local_main_process,
        )
        feature_seconds = time.perf_counter() - feature_started
        train_set = CachedTriples(cache, train_ids, partners, form_table, sense_table)
        val_set = CachedTriples(cache, val_ids)

    if config.use_lora:
        from .lora import apply_lora

        model = apply_lora(
            model, config.lora_r, config.lora_alpha, config.lora_dropout, config.lora_target_modules
        )
    module = model if config.on_the_fly else DistillerHeads(model)
    params = [p for p in module.parameters() if p.requires_grad]
    # the fused kernel updates all parameters in a few launches: at small batches the step is launch-bound
    optimizer = torch.optim.AdamW(
        params,
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
        fused=accelerator.device.type == "cuda",
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_constant(config.warmup_steps))
    # own generators: creating a loader iterator must not draw from the global RNG (dropout's),
    # or a resumed run (which creates one more iterator) would drift from an uninterrupted one
    loader_args = {
        "batch_size": config.batch_size,
        "collate_fn": identity_collate,
        "num_workers": config.dataloader_num_workers,
        "pin_memory": accelerator.device.type == "cuda",
        "persistent_workers": config.dataloader_num_workers > 0,
        "generator": torch.Generator().manual_seed(config.seed),
    }
    train_loader = DataLoader(
        train_set, sampler=EpochShuffleSampler(len(train_set), config.seed), **loader_args
    )
    val_loader = DataLoader(
        val_set, sampler=EpochShuffleSampler(len(val_set), 0, shuffle=False), **loader_args
    )
    module, optimizer, train_loader, val_loader = accelerator.prepare(
        module, optimizer, train_loader, val_loader
    )
    state = TrainerState()
    accelerator.register_for_checkpointing(scheduler, state)

    steps_per_epoch = math.ceil(len(train_loader) / config.gradient_accumulation_steps)
    max_steps = config.max_steps or config.max_epochs * steps_per_epoch
    eval_every = config.eval_every or max(1, steps_per_epoch // config.evals_per_epoch)
    checkpoint = resolve_checkpoint(output_dir, config.resume_from_checkpoint)
    if checkpoint is not None:
        accelerator.load_state(str(checkpoint))
        accelerator.print(f"resumed from {checkpoint} at step {state.global_step}")
    best_path = output_dir / "best" / "trainable.safetensors"
    if config.report_to == "tensorboard":
        hparams = {k: v for k, v in config.to_dict().items() if isinstance(v, (int, float, str, bool))}
        accelerator.init_trackers("wicdistill", config=hparams)

    def run_batch(batch: dict[str, torch.Tensor]):
        hosts = batch.pop("negative_host")
        return module(**batch, triples=canonical_triples(len(hosts), hosts.device), negative_host=hosts)

    def validate() -> float:
        module.eval()
        totals = torch.zeros(2, device=accelerator.device)
        with torch.no_grad():
            for batch in val_loader:
                size = len(batch["negative_host"])
                loss = run_batch(dict(batch)).loss
                totals += torch.stack(
                    [loss.detach().float() * size, torch.tensor(float(size), device=loss.device)]
                )
        module.train()
        totals = accelerator.reduce(totals, reduction="sum")
        return float(totals[0] / totals[1])

    def save_checkpoint() -> None:
        root = output_dir / "checkpoints"
        path = root / f"{CHECKPOINT_PREFIX}{state.global_step:08d}"
        accelerator.save_state(str(path))
        if accelerator.is_main_process:
            (path / "trainer_done").write_text(f"{state.global_step}\n")
            for old in _checkpoints(root)[: -config.keep_checkpoints]:
                shutil.rmtree(old, ignore_errors=True)
        accelerator.wait_for_everyone()

    progress = tqdm(
        total=max_steps,
        initial=state.global_step,
        desc="training",
        unit="step",
        disable=not (config.show_progress and accelerator.is_local_main_process),
    )
    module.train()
    window: list[torch.Tensor] = []
    # step points whose train loss is still a device tensor: reading it back every step would
    # make the host wait for the GPU, so losses are fetched together (one sync) now and then
    unread: list[tuple[dict[str, Any], torch.Tensor]] = []

    def read_losses() -> None:
        if not unread:
            return
        values = torch.stack([loss for _, loss in unread]).tolist()
        for (point, _), value in zip(unread, values):
            point["train_loss"] = value
            state.loss_curve.append(point)
            accelerator.log(
                {
                    f"train/{k}" if k != "validation_loss" else "validation/loss": v
                    for k, v in point.items()
                    if k != "step"
                },
                step=point["step"],
            )
        progress.set_postfix(loss=f"{values[-1]:.4f}")
        unread.clear()

    training_started = time.perf_counter()
    done = state.global_step >= max_steps or state.stopped_early
    while not done and state.epoch < config.max_epochs:
        train_loader.set_epoch(state.epoch)
        loader = (
            accelerator.skip_first_batches(train_loader, state.batches_in_epoch)
            if state.batches_in_epoch
            else train_loader
        )
        for batch in loader:
            with accelerator.accumulate(module):
                out = run_batch(batch)
                accelerator.backward(out.loss)
                optimizer.step()
                if accelerator.sync_gradients:
                    scheduler.step()
                optimizer.zero_grad()
            state.batches_in_epoch += 1
            window.append(out.loss.detach().float())
            if not accelerator.sync_gradients:
                continue
            state.global_step += 1
            point: dict[str, Any] = {
                "step": state.global_step,
                "train_loss": None,
                "lr": scheduler.get_last_lr()[0],
            }
            unread.append((point, torch.stack(window).mean()))
            window.clear()
            progress.update(1)
            evaluating = state.global_step % eval_every == 0 or state.global_step >= max_steps
            checkpointing = bool(config.checkpoint_every) and state.global_step % config.checkpoint_every == 0
            if evaluating or checkpointing or len(unread) >= LOSS_READ_EVERY:
                if evaluating:
                    point["validation_loss"] = validate()
                read_losses()
            if evaluating:
                val_loss = point["validation_loss"]
                if val_loss < state.best_validation_loss:
                    state.best_validation_loss, state.best_step = val_loss, state.global_step
                    state.checks_without_improvement = 0
                    if accelerator.is_main_process:
                        best_path.parent.mkdir(parents=True, exist_ok=True)
                        save_file(_trainable_state(accelerator.unwrap_model(model)), str(best_path))
                else:
                    state.checks_without_improvement += 1
                    state.stopped_early = state.checks_without_improvement >= config.patience
                message = (
                    f"step {state.global_step}: train loss {point['train_loss']:.5f}, validation loss "
                    f"{val_loss:.5f} (best {state.best_validation_loss:.5f} at step {state.best_step})"
                )
                if accelerator.is_local_main_process:
                    tqdm.write(message)
            if checkpointing:
                save_checkpoint()
            for callback in callbacks:
                callback(state)
            if state.global_step >= max_steps or state.stopped_early:
                done = True
                break
        else:
            state.epoch += 1
            state.batches_in_epoch = 0
    read_losses()
    progress.close()
    training_seconds = time.perf_counter() - training_started
    accelerator.wait_for_everyone()

    summary: dict[str, Any] = {}
    if accelerator.is_main_process:
        final = accelerator.unwrap_model(model)
        if best_path.exists():
            final.load_state_dict(load_file(str(best_path)), strict=False)
        if config.language_centering or config.global_centering:
            train_set.form_table = train_set.sense_table = None  # centres come from the triples alone
            fit_centers(accelerator.unwrap_model(model), train_set, corpus, accelerator.device)
        if config.use_lora:
            final.save_pretrained(str(output_dir / "adapter"))
            final = final.merge_and_unload()
        final.save_pretrained(str(output_dir))
        tokenizer.save_pretrained(str(output_dir))
        corpus_facts = _corpus_summary(
            corpus, train_ids, val_ids, config.corpus, partners, form_table, sense_table
        )
        summary = _summary(config, final, corpus_facts, state, accelerator, steps_per_epoch)
        summary["wall_time_s"] = {
            "features": round(feature_seconds, 3),
            "training": round(training_seconds, 3),
            "total": round(time.perf_counter() - started, 3),
        }
        summary["encoder"]["path"] = encoder_path if encoder_path != config.encoder else None
        atomic_write_json(output_dir / "training_summary.json", summary)
    accelerator.wait_for_everyone()
    accelerator.end_training()
    if accelerator.is_main_process:
        card_fields = {"model_id": config.push_to_hub} if config.push_to_hub else {}
        evaluate_saved_model(
            output_dir,
            config.evaluate_tasks,
            config.eval_data_dir,
            config.show_progress,
            heldout=heldout_records(config.corpus),
        )
        write_card(output_dir, card_fields)
        if config.push_to_hub:
            summary["pushed"] = push(output_dir, config.push_to_hub, config.hub_private, card_fields)
    return summary


def _summary(config, model, corpus_facts, state, accelerator, steps_per_epoch) -> dict[str, Any]:
    from ..features.identity import encoder_identity

    identity = encoder_identity(model)
    last_train = next((p["train_loss"] for p in reversed(state.loss_curve)), None)
    return {
        "schema": "wicdistill.training/1",
        "wicdistill_version": library_versions()["wicdistill"],
        "encoder": {
            "name_or_path": config.encoder,
            "revision": None,
            "layers": list(model.config.layers),
            "hidden_size": model.config.hidden_size,
            "num_hidden_layers": model.config.encoder.num_hidden_layers,
            "config_hash": identity["config_hash"],
        },
        "distiller": {
            "layers": model.config.distiller_layers,
            "heads": model.config.distiller_heads,
            "ffn_multiplier": model.config.distiller_ffn_multiplier,
            "dropout": model.config.distiller_dropout,
            "layer_position_embedding": model.config.layer_position_embedding,
            "use_negatives": model.config.use_negatives,
            "alignment_weight": model.config.alignment_weight,
            "alignment_temperature": model.config.alignment_temperature,
            "form_consistency_weight": model.config.form_consistency_weight,
            "centering_languages": model.config.centering_languages,
        },
        "corpus": corpus_facts,
        "hyperparameters": {
            "learning_rate": config.learning_rate,
            "batch_size": config.batch_size,
            "gradient_accumulation_steps": config.gradient_accumulation_steps,
            "warmup_steps": config.warmup_steps,
            "max_epochs": config.max_epochs,
            "max_steps": config.max_steps,
            "patience": config.patience,
            "evals_per_epoch": config.evals_per_epoch,
            "seed": config.seed,
            "mixed_precision": accelerator.mixed_precision,
            "optimizer": "AdamW",
            "weight_decay": config.weight_decay,
            "features": "on_the_fly" if config.on_the_fly else "cached_fp16",
            "lora": {
                "r": config.lora_r,
                "alpha": config.lora_alpha,
                "target_modules": config.lora_target_modules,
            }
            if config.use_lora
            else None,
        },
        "training": {
            "steps": state.global_step,
            "steps_per_epoch": steps_per_epoch,
            "epochs": round(state.global_step / max(steps_per_epoch, 1), 3),
            "best_step": state.best_step,
            "best_validation_loss": state.best_validation_loss
            if math.isfinite(state.best_validation_loss)
            else None,
            "final_train_loss": last_train,
            "stopped_early": state.stopped_early,
            "loss_curve": state.loss_curve,
        },
        "hardware": hardware(accelerator),
        "versions": library_versions(),
    }
