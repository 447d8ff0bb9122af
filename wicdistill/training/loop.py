"""The training run behind ``train_accelerate.py``: Accelerate, early stopping, exact resume.

``Trainer`` reads top to bottom in four parts: ``prepare_data`` (encoder, corpus, validation
split by source pair, partner tables, feature cache or on-the-fly datasets),
``prepare_optimisation`` (AdamW under a warm-up-then-constant schedule, loaders, resume),
``fit`` (validation ``evals_per_epoch`` times per epoch, early stopping after ``patience``
checks without improvement) and ``finish`` (best weights, centring fit, ``save_pretrained``,
summary, evaluation, card). Checkpoints hold model, optimizer, scheduler, RNG and loop state
(safetensors and JSON, no pickle), so a resumed run replays exactly the batches and dropout
masks of an uninterrupted one.

A non-finite training loss or gradient norm stops the run (``nonfinite: error``), naming the
step, epoch and batch; both are read back with the losses, every ``LOSS_READ_EVERY`` steps, so
the check adds no device sync. ``nonfinite: skip`` instead skips the optimizer step of such a
batch (reading both back every step), counts it, and still stops when a whole epoch was skipped.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from safetensors.torch import save as save_tensors
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ..backbones import resolve_encoder
from ..corpus.store import heldout_records, read_corpus
from ..faults import kill_point
from ..features.extract import extract_features
from ..io_utils import atomic_write_bytes, atomic_write_json
from ..modeling_wicdistill import WicDistillModel
from ..targets_wicdistill import encoder_max_length
from .centering import fit_centers
from .checkpoints import (
    RunObjects,
    TrainerState,
    load_checkpoint,
    resolve_checkpoint,
    save_checkpoint,
    trainable_state,
)
from .config import CORPUS_LANGUAGES, TrainingConfig
from .datasets import CachedTriples, EpochShuffleSampler, OnTheFlyTriples, canonical_triples, identity_collate
from .finish import evaluate_saved_model, push, write_card
from .heads import DistillerHeads
from .partners import cross_context_partners, other_sense_partners, same_form_partners
from .precision import warn_if_cpu_autocast
from .records import corpus_languages, select_training_records, split_records
from .summary import corpus_summary, run_summary

__all__ = ["LOSS_READ_EVERY", "StepCallback", "Trainer", "TrainerState", "train"]

LOSS_READ_EVERY = 25  # steps between reading train losses back from the device

# called after every optimiser step; ``state.loss_curve`` may lag by up to LOSS_READ_EVERY steps
StepCallback = Callable[[TrainerState], None]


def _warmup_then_constant(warmup_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        return 1.0 if warmup_steps == 0 else min(1.0, (step + 1) / warmup_steps)

    return factor


def train(config: TrainingConfig, callbacks: Sequence[StepCallback] = ()) -> dict[str, Any]:
    """Run (or resume) a training run and return its summary (also written as JSON)."""
    return Trainer(config, callbacks).run()


class Trainer:
    """One training run; each part reads the attributes the parts before it set."""

    def __init__(self, config: TrainingConfig, callbacks: Sequence[StepCallback] = ()):
        config.validate()
        self.config, self.callbacks = config, list(callbacks)
        self.output_dir = Path(config.output_dir)
        self.best_path = self.output_dir / "best" / "trainable.safetensors"
        self.state = TrainerState()
        self.seconds: dict[str, float] = {"features": 0.0, "training": 0.0}

    def run(self) -> dict[str, Any]:
        from accelerate.utils import DataLoaderConfiguration, set_seed

        from ..distributed import make_accelerator

        config = self.config
        if config.torch_threads:
            torch.set_num_threads(config.torch_threads)
        self.started = time.perf_counter()
        self.accelerator = make_accelerator(
            dataloader_config=DataLoaderConfiguration(non_blocking=True),
            mixed_precision=config.mixed_precision,
            gradient_accumulation_steps=config.gradient_accumulation_steps,
            log_with="tensorboard" if config.report_to == "tensorboard" else None,
            project_dir=str(self.output_dir / "logs"),
        )
        warn_if_cpu_autocast(self.accelerator.device.type, self.accelerator.mixed_precision)
        set_seed(config.seed)
        self.prepare_data()
        # building a feature cache draws from the global RNG (each DataLoader iterator does): re-seed,
        # so that a run that reuses the cache trains exactly like the run that built it
        set_seed(config.seed)
        self.prepare_optimisation()
        self.fit()
        return self.finish()

    # -- prepare data ----------------------------------------------------------------------
    def build_model(self, corpus: Any) -> None:
        """The model from ``config.model`` as given; only ``centering_languages: corpus`` is resolved."""
        from transformers import AutoTokenizer

        settings = dict(self.config.model)
        if settings.get("centering_languages") == CORPUS_LANGUAGES:
            settings["centering_languages"] = corpus_languages(corpus)
            if not settings["centering_languages"]:
                raise ValueError("language_centering needs a corpus whose records carry a 'lang' per word")
        self.encoder_path = resolve_encoder(self.config.encoder)
        self.model = WicDistillModel.from_encoder_pretrained(
            self.encoder_path, encoder_name_or_path=self.config.encoder, **settings
        )
        self.model_settings = self.model.config  # kept: a LoRA wrapper hides it
        self.tokenizer = AutoTokenizer.from_pretrained(self.encoder_path)

    def prepare_data(self) -> None:
        config, accelerator = self.config, self.accelerator
        corpus = self.corpus = read_corpus(config.corpus)
        self.build_model(corpus)
        train_ids, self.val_ids = split_records(corpus.pair_ids, config.validation_fraction, config.seed)
        train_ids = self.train_ids = select_training_records(config, corpus, train_ids)
        seed = config.seed
        self.partners = (
            cross_context_partners(corpus, train_ids, seed) if config.cross_context_positives else None
        )
        self.form_table = (
            same_form_partners(corpus, train_ids, seed)
            if self.model_settings.form_consistency_weight > 0
            else None
        )
        self.sense_table = (
            other_sense_partners(corpus, train_ids, seed) if config.other_sense_negatives else None
        )
        tables = (self.partners, self.form_table, self.sense_table)
        # only the weighted negative term reads the scores: other runs build the batches they always did
        weighted = self.model_settings.negative_term == "dissimilarity_weighted"
        scores = corpus.negative_scores if weighted else None
        if config.on_the_fly:
            limit = encoder_max_length(self.model.encoder, self.tokenizer)
            self.train_set = OnTheFlyTriples(
                corpus, train_ids, self.tokenizer, limit, *tables, negative_scores=scores
            )
            self.val_set = OnTheFlyTriples(
                corpus, self.val_ids, self.tokenizer, limit, negative_scores=scores
            )
            return
        self.model.to(accelerator.device)
        started = time.perf_counter()
        cache = extract_features(
            corpus,
            self.model,
            self.tokenizer,
            config.features_dir or self.output_dir / "features",
            batch_size=config.extraction_batch_size,
            num_workers=config.dataloader_num_workers,
            accelerator=accelerator,
            show_progress=config.show_progress and accelerator.is_local_main_process,
        )
        self.seconds["features"] = time.perf_counter() - started
        self.train_set = CachedTriples(cache, train_ids, *tables, negative_scores=scores)
        self.val_set = CachedTriples(cache, self.val_ids, negative_scores=scores)

    # -- prepare optimisation --------------------------------------------------------------
    def prepare_optimisation(self) -> None:
        config, accelerator = self.config, self.accelerator
        if config.use_lora:
            from .lora import apply_lora

            self.model = apply_lora(
                self.model, config.lora_r, config.lora_alpha, config.lora_dropout, config.lora_target_modules
            )
        module = self.model if config.on_the_fly else DistillerHeads(self.model)
        params = self.params = [p for p in module.parameters() if p.requires_grad]
        # the fused kernel updates all parameters in a few launches: at small batches the step is launch-bound
        optimizer = torch.optim.AdamW(
            params,
            lr=config.learning_rate,
            weight_decay=config.weight_decay,
            fused=accelerator.device.type == "cuda",
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, _warmup_then_constant(config.warmup_steps)
        )
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
        train_sampler = EpochShuffleSampler(len(self.train_set), config.seed)
        train_loader = DataLoader(self.train_set, sampler=train_sampler, **loader_args)
        val_sampler = EpochShuffleSampler(len(self.val_set), 0, shuffle=False)
        val_loader = DataLoader(self.val_set, sampler=val_sampler, **loader_args)
        self.module, self.optimizer, self.train_loader, self.val_loader = accelerator.prepare(
            module, optimizer, train_loader, val_loader
        )
        self.run_objects = RunObjects(accelerator, self.module, self.optimizer, self.scheduler, self.state)
        self.steps_per_epoch = math.ceil(len(self.train_loader) / config.gradient_accumulation_steps)
        self.max_steps = config.max_steps or config.max_epochs * self.steps_per_epoch
        self.eval_every = config.eval_every or max(1, self.steps_per_epoch // config.evals_per_epoch)
        checkpoint = resolve_checkpoint(self.output_dir, config.resume_from_checkpoint)
        if checkpoint is not None:
            load_checkpoint(self.run_objects, checkpoint, trust=config.trust_checkpoint)
            accelerator.print(f"resumed from {checkpoint} at step {self.state.global_step}")
        if config.report_to == "tensorboard":
            hparams = {
                k: v
                for k, v in {**config.to_dict(), **config.model}.items()
                if isinstance(v, (int, float, str, bool))
            }
            accelerator.init_trackers("wicdistill", config=hparams)

    # -- fit -------------------------------------------------------------------------------
    def run_batch(self, batch: dict[str, torch.Tensor]) -> Any:
        hosts = batch.pop("negative_host")
        return self.module(**batch, triples=canonical_triples(len(hosts), hosts.device), negative_host=hosts)

    def validate(self) -> float:
        self.module.eval()
        totals = torch.zeros(2, device=self.accelerator.device)
        with torch.no_grad():
            for batch in self.val_loader:
                size = len(batch["negative_host"])
                loss = self.run_batch(dict(batch)).loss
                totals += torch.stack(
                    [loss.detach().float() * size, torch.tensor(float(size), device=loss.device)]
                )
        self.module.train()
        totals = self.accelerator.reduce(totals, reduction="sum")
        return float(totals[0] / totals[1])

    def gradient_norm(self) -> torch.Tensor:
        """The total gradient norm of the step, left on the device (a zero under fp16, whose
        gradient scaler skips inf/NaN steps itself)."""
        if self.accelerator.scaler is not None:
            return torch.zeros((), device=self.accelerator.device)
        grads = [p.grad for p in self.params if p.grad is not None]
        return torch.nn.utils.get_total_norm(grads).float()

    def all_finite(self, pair: torch.Tensor) -> bool:
        """Whether loss and gradient norm are finite on every process (one sync: skip mode only)."""
        if self.accelerator.num_processes > 1:  # a NaN or inf anywhere survives the sum
            pair = self.accelerator.reduce(pair.clone(), reduction="sum")
        return bool(torch.isfinite(pair).all())

    def read_losses(self) -> None:
        """Fetch the pending train losses and gradient norms in one sync and log them (one read
        per step would stall); the first non-finite one stops the run."""
        if not self.unread:
            return
        values = torch.stack([pair for _, pair in self.unread]).tolist()
        for (point, _), (value, norm) in zip(self.unread, values):
            epoch, batch = self.batch_of.pop(point["step"])
            if not (math.isfinite(value) and math.isfinite(norm)):
                what = (
                    f"training loss became {value}"
                    if not math.isfinite(value)
                    else f"gradient norm became {norm}"
                )
                raise FloatingPointError(
                    f"{what} at step {point['step']} (epoch {epoch}, batch {batch}): "
                    f"nothing from this step on was saved; lower the learning rate, check the features "
                    f"(extract-features --verify), resume from an earlier checkpoint, or pass "
                    f"--nonfinite skip to skip such batches"
                )
            point["train_loss"] = value
            self.state.loss_curve.append(point)
            logged = {
                f"train/{k}" if k != "validation_loss" else "validation/loss": v for k, v in point.items()
            }
            logged.pop("train/step")
            self.accelerator.log(logged, step=point["step"])
        self.progress.set_postfix(loss=f"{values[-1][0]:.4f}")
        self.unread.clear()

    def fit(self) -> None:
        config, accelerator, state = self.config, self.accelerator, self.state
        self.progress = tqdm(
            total=self.max_steps,
            initial=state.global_step,
            desc="training",
            unit="step",
            disable=not (config.show_progress and accelerator.is_local_main_process),
        )
        self.module.train()
        window: list[torch.Tensor] = []
        self.unread: list[tuple[dict[str, Any], torch.Tensor]] = []  # step points whose loss is on the device
        self.batch_of: dict[int, tuple[int, int]] = {}  # (epoch, batch) of each unread step, for errors
        started = time.perf_counter()
        done = state.global_step >= self.max_steps or state.stopped_early
        while not done and state.epoch < config.max_epochs:
            self.train_loader.set_epoch(state.epoch)
            loader = (
                accelerator.skip_first_batches(self.train_loader, state.batches_in_epoch)
                if state.batches_in_epoch
                else self.train_loader
            )
            for batch in loader:
                skipped = False
                with accelerator.accumulate(self.module):
                    out = self.run_batch(batch)
                    accelerator.backward(out.loss)
                    window.append(out.loss.detach().float())
                    if accelerator.sync_gradients:
                        pair = torch.stack([torch.stack(window).mean(), self.gradient_norm()])
                        skipped = config.nonfinite == "skip" and not self.all_finite(pair)
                    if not skipped:
                        self.optimizer.step()
                        if accelerator.sync_gradients:
                            self.scheduler.step()
                    self.optimizer.zero_grad()
                state.batches_in_epoch += 1
                if not accelerator.sync_gradients:
                    continue
                state.global_step += 1
                point = {"step": state.global_step, "train_loss": None, "lr": self.scheduler.get_last_lr()[0]}
                if skipped:
                    self.record_skip(len(window), pair)
                else:
                    self.unread.append((point, pair))
                    self.batch_of[state.global_step] = (state.epoch, state.batches_in_epoch - 1)
                window.clear()
                self.progress.update(1)
                if self.after_step(point):
                    done = True
                    break
            else:
                self.check_epoch_not_all_skipped()
                state.epoch += 1
                state.batches_in_epoch = state.skipped_in_epoch = 0
        if state.batches_in_epoch >= len(self.train_loader):  # a whole epoch ended the run
            self.check_epoch_not_all_skipped()
        self.read_losses()
        self.progress.close()
        self.seconds["training"] = time.perf_counter() - started
        accelerator.wait_for_everyone()

    def record_skip(self, batches: int, pair: torch.Tensor) -> None:
        """Count a skipped optimizer step (``nonfinite: skip``); warn at the first of the run."""
        state = self.state
        if not state.skipped_batches:
            loss, norm = pair.tolist()
            warnings.warn(
                f"skipping the optimizer step at step {state.global_step} (epoch {state.epoch}, batch "
                f"{state.batches_in_epoch - 1}): training loss {loss}, gradient norm {norm} (nonfinite: "
                f"skip); later skips are only counted (training.skipped_batches in training_summary.json)",
                RuntimeWarning,
                stacklevel=2,
            )
        state.skipped_batches += batches
        state.skipped_in_epoch += batches

    def check_epoch_not_all_skipped(self) -> None:
        state = self.state
        if state.batches_in_epoch and state.skipped_in_epoch >= state.batches_in_epoch:
            raise FloatingPointError(
                f"every batch of epoch {state.epoch} ({state.batches_in_epoch} batches) had a non-finite "
                f"training loss or gradient norm and was skipped (nonfinite: skip): nothing was learnt; "
                f"check the features (extract-features --verify) or lower the learning rate"
            )

    def after_step(self, point: dict[str, Any]) -> bool:
        """Validate, keep the best weights, checkpoint, call back; True when training should stop."""
        config, state = self.config, self.state
        evaluating = state.global_step % self.eval_every == 0 or state.global_step >= self.max_steps
        checkpointing = bool(config.checkpoint_every) and state.global_step % config.checkpoint_every == 0
        if evaluating or checkpointing or len(self.unread) >= LOSS_READ_EVERY:
            if evaluating:
                point["validation_loss"] = self.validate()
            self.read_losses()
        if evaluating:
            self.record_validation(point)
        if checkpointing:
            save_checkpoint(self.run_objects, self.output_dir, config.keep_checkpoints)
        for callback in self.callbacks:
            callback(state)
        kill_point("train", state.global_step)
        return state.global_step >= self.max_steps or state.stopped_early

    def record_validation(self, point: dict[str, Any]) -> None:
        state, accelerator = self.state, self.accelerator
        val_loss = point["validation_loss"]
        if val_loss < state.best_validation_loss:
            state.best_validation_loss, state.best_step = val_loss, state.global_step
            state.checks_without_improvement = 0
            if accelerator.is_main_process:
                weights = trainable_state(accelerator.unwrap_model(self.model))
                metadata = {"step": str(state.global_step)}
                atomic_write_bytes(self.best_path, save_tensors(weights, metadata=metadata))
        else:
            state.checks_without_improvement += 1
            state.stopped_early = state.checks_without_improvement >= self.config.patience
        if accelerator.is_local_main_process:
            train_loss = "skipped" if point["train_loss"] is None else f"{point['train_loss']:.5f}"
            tqdm.write(
                f"step {state.global_step}: train loss {train_loss}, validation loss "
                f"{val_loss:.5f} (best {state.best_validation_loss:.5f} at step {state.best_step})"
            )

    # -- finish ----------------------------------------------------------------------------
    def finish(self) -> dict[str, Any]:
        config, accelerator = self.config, self.accelerator
        summary: dict[str, Any] = {}
        if accelerator.is_main_process:
            summary = self.save_model()
        accelerator.wait_for_everyone()
        accelerator.end_training()
        if accelerator.is_main_process:
            card_fields = {"model_id": config.push_to_hub} if config.push_to_hub else {}
            evaluate_saved_model(
                self.output_dir,
                config.evaluate_tasks,
                config.eval_data_dir,
                config.show_progress,
                heldout=heldout_records(config.corpus),
            )
            write_card(self.output_dir, card_fields)
            if config.push_to_hub:
                summary["pushed"] = push(self.output_dir, config.push_to_hub, config.hub_private, card_fields)
        return summary

    def save_model(self) -> dict[str, Any]:
        """Best weights, centres, ``save_pretrained`` and the summary (main process only)."""
        config, accelerator = self.config, self.accelerator
        final = accelerator.unwrap_model(self.model)
        if self.best_path.exists():
            with safe_open(str(self.best_path), "pt") as best:
                step = (best.metadata() or {}).get("step")
            if step == str(self.state.best_step):
                final.load_state_dict(load_file(str(self.best_path)), strict=False)
            else:  # written by a later step than the checkpoint this run resumed from
                warnings.warn(
                    f"{self.best_path} holds the weights of step {step}, not of this run's best step "
                    f"{self.state.best_step}: saving the final weights instead",
                    RuntimeWarning,
                    stacklevel=2,
                )
        if self.model_settings.centering_languages is not None:
            self.train_set.form_table = self.train_set.sense_table = (
                None  # centres come from the triples alone
            )
            fit_centers(final, self.train_set, self.corpus, accelerator.device)
        if config.use_lora:
            final.save_pretrained(str(self.output_dir / "adapter"))
            final = final.merge_and_unload()
        final.save_pretrained(str(self.output_dir))
        self.tokenizer.save_pretrained(str(self.output_dir))
        tables = (self.partners, self.form_table, self.sense_table)
        facts = corpus_summary(self.corpus, self.train_ids, self.val_ids, config.corpus, *tables)
        summary = run_summary(config, final, facts, self.state, accelerator, self.steps_per_epoch)
        summary["wall_time_s"] = {
            "features": round(self.seconds["features"], 3),
            "training": round(self.seconds["training"], 3),
            "total": round(time.perf_counter() - self.started, 3),
        }
        summary["encoder"]["path"] = self.encoder_path if self.encoder_path != config.encoder else None
        atomic_write_json(self.output_dir / "training_summary.json", summary)
        return summary
