"""The corpus builder: pairs -> targets -> aligned positives -> negatives -> records.

Inputs are streamed in fixed chunks of pairs. Each chunk is first *planned* (round-trip pairs
completed, words segmented, the words that may become targets found: ``planning``), then the
per-word cap is replayed over the plans in input order (``max_per_word`` counts the targets
chosen before), which fixes every chunk's targets without its records; the expensive part —
encoding, alignment, negatives — then runs per chunk and is committed on its own. Under
``accelerate launch`` the chunks go round-robin to the processes (``sharding``), which meet only
to sum the vocabulary and, at the end, for the main process to merge the committed chunks in
input order: the same records, ids, order and counts as one process. An interrupted build (any
number of processes) resumes at its uncommitted chunks and produces exactly the records of an
uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, islice
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from ..faults import kill_point
from ..io_utils import atomic_write_text
from .alignment import AlignmentConfig, align_sentences, link_for_word
from .config import CorpusConfig
from .device import resolve_device
from .encoding import ContextualEncoder
from .finalize import write_outputs
from .matching import relation, same_stem, unique_match, word_overlap
from .negatives import NegativeChoice, NegativeRequest, make_strategy
from .negatives.pool import CandidatePool
from .pairs import ReadItem, RejectedLine, SentencePair
from .planning import AnchorSide, ChunkPlan, plan_path, read_plan, write_plan
from .resources import load_encoder, load_masked_lm
from .roundtrip import RoundTripTranslator
from .segmenters import make_splitter
from .sharding import BuildProcesses, wait_for_file
from .sources import iterate_sources, vocabulary_texts
from .static_embeddings import StaticEmbedder
from .stats import BuildStats
from .store import STATS_FILE, check_record, span, stable_fraction, stable_int
from .substitution import match_case, starts_sentence, substitute
from .targets import capped_choice, eligible_targets, sentence_length_reason
from .vocabulary import Vocabulary
from .word_pieces import tokenizer_splitter
from .words import Word, segment_words
from .writer import ShardWriter

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    """One anchor side of a pair with its selected targets."""

    pair: SentencePair
    side: str
    anchor_text: str
    anchor_lang: str
    other_text: str
    other_lang: str
    anchor_words: list[Word]
    other_words: list[Word]
    targets: list[int]
    links: dict[int, tuple[int, int, float, str]] = field(default_factory=dict)

    @property
    def crosslingual(self) -> bool:
        return self.anchor_lang != self.other_lang


def _limited(items: Iterator[ReadItem], max_pairs: int | None, sample_fraction: float) -> Iterator[ReadItem]:
    """The inputs a build uses: a stable hash sample of the pairs (by ``pair_id``), at most ``max_pairs``."""
    pairs = 0
    for item in items:
        if isinstance(item, SentencePair):
            if sample_fraction < 1.0 and stable_fraction(f"sample:{item.pair_id}") >= sample_fraction:
                continue
            if max_pairs is not None and pairs >= max_pairs:
                return
            pairs += 1
        yield item


class CorpusBuilder:
    """Holds the models and vocabularies of one build; ``run`` does the work.

    ``device`` (``"cpu"``, ``"cuda:1"``; default: the one Accelerate selects) runs every model;
    ``tokens_per_batch`` bounds the padded tokens of one encoder batch.
    """

    def __init__(
        self,
        config: CorpusConfig,
        encoder=None,
        tokenizer=None,
        masked_lm=None,
        translator=None,
        *,
        device: str | None = None,
        tokens_per_batch: int = 8192,
        processes: BuildProcesses | None = None,
    ) -> None:
        self.config = config
        self.device = resolve_device(device)
        self.processes = processes or BuildProcesses.from_environment()
        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        if encoder is None or tokenizer is None:
            encoder, tokenizer = load_encoder(config.encoder)
        self.tokenizer = tokenizer
        self.embedder = StaticEmbedder.from_model(encoder, tokenizer)
        self.encoder = ContextualEncoder(
            encoder.to(self.device), tokenizer, config.align_layer, config.batch_size, tokens_per_batch
        )
        self.splitter = make_splitter(config.unspaced_words, tokenizer_splitter(tokenizer))
        self._masked_lm = masked_lm
        self._translator = translator
        self.rules = config.targets
        self.align_config = AlignmentConfig(config.alignment, temperature=config.alignment_temperature)
        self._words: dict[str, list[Word]] = {}
        self.vocabularies: dict[str, Vocabulary] = {}
        self.strategy = None

    # -- set-up ---------------------------------------------------------------------------

    def words(self, text: str) -> list[Word]:
        """The words of ``text``, cached for the chunk in hand (``_words`` is cleared per chunk)."""
        cached = self._words.get(text)
        if cached is None:
            cached = self._words[text] = segment_words(text, self.splitter)
        return cached

    def _vocabulary(self, lang: str) -> Vocabulary:
        if lang not in self.vocabularies:
            self.vocabularies[lang] = Vocabulary(lang)
        return self.vocabularies[lang]

    def _items(self) -> Iterator[ReadItem]:
        return _limited(
            iterate_sources(self.config.inputs), self.config.max_pairs, self.config.sample_fraction
        )

    def build_vocabularies(self, stats: BuildStats | None) -> int:
        """Count words per language over every input side (and extra texts); returns #pairs.

        Each process counts the pairs of its own chunks (and every N-th extra line); the counts
        are then summed over the processes, so all of them hold the corpus-wide vocabulary."""
        started = time.perf_counter()
        procs, size = self.processes, self.config.chunk_size
        pairs = 0
        items = tqdm(self._items(), desc="vocabulary", unit="line", disable=not self.config.progress)
        for position, item in enumerate(items):
            if isinstance(item, SentencePair) and procs.owns(position // size):
                pairs += 1
                self._vocabulary(item.left_lang).add_words(segment_words(item.left, self.splitter))
                if item.right is not None:
                    self._vocabulary(item.right_lang).add_words(segment_words(item.right, self.splitter))
        for spec in self.config.vocab_texts:
            lang, _, path = spec.partition(":")
            vocab = self._vocabulary(lang)
            texts = tqdm(
                vocabulary_texts(path),
                desc=f"vocabulary {lang}",
                unit="line",
                disable=not self.config.progress,
            )
            for position, text in enumerate(texts):
                if procs.owns(position):
                    vocab.add_words(segment_words(text, self.splitter))
        if procs.world > 1:
            gathered = procs.gather((pairs, {lang: v.to_state() for lang, v in self.vocabularies.items()}))
            pairs, self.vocabularies = 0, {}
            for their_pairs, theirs in gathered:
                pairs += their_pairs
                for lang, state in theirs.items():
                    self._vocabulary(lang).merge(Vocabulary.from_state(lang, state))
        if stats is not None:
            stats.time("vocabulary", time.perf_counter() - started, pairs)
        return pairs

    def _make_strategy(self):
        config = self.config
        pool = CandidatePool(
            self.vocabularies, self.embedder, config.negative_min_count, skip_top=config.negative_skip_top
        )
        mlm_model = mlm_tokenizer = None
        if config.negative_strategy == "mlm":
            if self._masked_lm is None:
                self._masked_lm = load_masked_lm(config.mlm_model or config.encoder)
            mlm_model, mlm_tokenizer = self._masked_lm
            mlm_model = mlm_model.to(self.device)
        return make_strategy(
            config.negative_strategy, pool, config.negative_band, mlm_model, mlm_tokenizer, config.mlm_top_k
        )

    def _roundtrip(self) -> RoundTripTranslator:
        if self._translator is None:
            if self.config.translation_models is None:
                raise ValueError(
                    "a roundtrip input needs translation_models=(forward, backward) (--translation-models)"
                )
            self._translator = RoundTripTranslator.from_pretrained(*self.config.translation_models)
        if isinstance(self._translator, RoundTripTranslator):
            self._translator.to(self.device)
        return self._translator

    # -- one chunk ------------------------------------------------------------------------

    def _complete_pairs(self, pairs: list[SentencePair], stats: BuildStats) -> list[SentencePair]:
        """Fill the right side of round-trip pairs by translating their left side."""
        pending = [p for p in pairs if p.right is None]
        if not pending:
            return pairs
        started = time.perf_counter()
        outputs = dict(
            zip((p.pair_id for p in pending), self._roundtrip().paraphrase([p.left for p in pending]))
        )
        stats.time("roundtrip", time.perf_counter() - started, len(pending))
        completed = []
        for pair in pairs:
            if pair.right is not None:
                completed.append(pair)
                continue
            text = outputs[pair.pair_id]
            if not text:
                stats.drop("roundtrip", "translation came back empty")
            elif text == pair.left:
                stats.drop("roundtrip", "translation came back unchanged")
            else:
                stats.add("roundtrip", "paraphrases")
                completed.append(
                    SentencePair(pair.pair_id, pair.source, pair.left, text, pair.left_lang, pair.right_lang)
                )
        return completed

    def plan_chunk(self, items: list[ReadItem]) -> ChunkPlan:
        """Everything about a chunk that needs no other chunk: its pairs and eligible words."""
        config, stats = self.config, BuildStats()
        started = time.perf_counter()
        pairs = []
        for item in items:
            if isinstance(item, RejectedLine):
                stats.drop("inputs", item.reason, where=item.location)
                stats.add("inputs_rejected_by_source", item.source)
            else:
                stats.add("inputs", "pairs")
                stats.add("inputs_by_source", item.source)
                pairs.append(item)
        pairs = self._complete_pairs(pairs, stats)
        sides = []
        for number, pair in enumerate(pairs):
            left_words, right_words = self.words(pair.left), self.words(pair.right)
            if not pair.crosslingual:
                stats.add_overlap(pair.source, word_overlap(left_words, right_words))
            for side, lang, words in (("l", pair.left_lang, left_words), ("r", pair.right_lang, right_words)):
                if config.anchor_langs and lang not in config.anchor_langs:
                    stats.drop("sentences", f"not an anchor language ({', '.join(config.anchor_langs)})")
                    continue
                stats.add("sentences", "anchor sides")
                reason = sentence_length_reason(words, self.rules)
                if reason:
                    stats.drop("sentences", reason)
                    continue
                stats.add("sentences", "kept")
                dropped: Counter = Counter()
                eligible = eligible_targets(words, self._vocabulary(lang), self.rules, dropped)
                stats.drop_all("targets", dropped)
                sides.append(AnchorSide(number, side, eligible, [words[i].key for i in eligible]))
        stats.time("select", time.perf_counter() - started, len(items))
        return ChunkPlan(pairs, sides, stats.to_state())

    def choose_targets(
        self, plan: ChunkPlan, used: dict[str, Counter], stats: BuildStats
    ) -> dict[tuple[int, str], list[int]]:
        """The targets of every anchor side of ``plan`` under the per-word cap; updates ``used``."""
        chosen = {}
        for anchor in plan.sides:
            pair = plan.pairs[anchor.pair]
            lang = pair.left_lang if anchor.side == "l" else pair.right_lang
            counts = used.setdefault(lang, Counter())
            dropped: Counter = Counter()
            rng = random.Random(stable_int(self.config.seed, pair.pair_id, anchor.side))
            picked = capped_choice(anchor.eligible, anchor.keys, self.rules, counts, rng, dropped)
            stats.drop_all("targets", dropped)
            stats.add("targets", "selected", len(picked))
            for index in picked:
                counts[anchor.keys[anchor.eligible.index(index)]] += 1
            if picked:
                chosen[(anchor.pair, anchor.side)] = picked
        return chosen

    def _jobs(self, plan: ChunkPlan, chosen: dict[tuple[int, str], list[int]]) -> list[_Job]:
        jobs = []
        for (number, side), targets in chosen.items():
            pair = plan.pairs[number]
            left = (pair.left, pair.left_lang, self.words(pair.left))
            right = (pair.right, pair.right_lang, self.words(pair.right))
            (text, lang, words), (other, other_lang, other_words) = (
                (left, right) if side == "l" else (right, left)
            )
            jobs.append(_Job(pair, side, text, lang, other, other_lang, words, other_words, targets))
        return jobs

    def _surface_links(self, jobs: list[_Job], stats: BuildStats) -> list[tuple[_Job, int]]:
        """Monolingual surface/stem matches; returns the targets that need embedding alignment."""
        pending = []
        for job in jobs:
            for index in job.targets:
                key = job.anchor_words[index].key
                if job.crosslingual:
                    pending.append((job, index))
                    continue
                if self.config.different_word_positives:
                    if any(same_stem(w.key, key) for w in job.other_words):
                        stats.drop("alignment", "target word also in the paraphrase")
                        continue
                    pending.append((job, index))
                    continue
                if self.config.monolingual_alignment == "surface_first":
                    match = unique_match(key, job.other_words, stemmed=False)
                    method = "surface"
                    if match is None:
                        match, method = unique_match(key, job.other_words, stemmed=True), "stem"
                    if match is not None:
                        job.links[index] = (match, match, 1.0, method)
                        continue
                pending.append((job, index))
        return pending

    def _embedding_links(self, pending: list[tuple[_Job, int]], stats: BuildStats) -> None:
        if not pending:
            return
        jobs = list({id(job): job for job, _ in pending}.values())
        texts = list(dict.fromkeys(t for job in jobs for t in (job.anchor_text, job.other_text)))
        started = time.perf_counter()
        vectors = dict(zip(texts, self.encoder.encode(texts, [self.words(t) for t in texts])))
        stats.time("encode", time.perf_counter() - started, len(texts))
        started = time.perf_counter()
        matrices = {}
        for job in jobs:
            matrices[id(job)] = align_sentences(
                vectors[job.anchor_text], vectors[job.other_text], self.align_config
            )
        for job, index in pending:
            aligned, confidence = matrices[id(job)]
            if not bool(vectors[job.anchor_text].word_has_tokens[index]):
                stats.drop("alignment", "target outside the encoder window")
                continue
            link = link_for_word(aligned, confidence, index, self.align_config.max_span_words)
            if link is None:
                stats.drop("alignment", "no aligned word")
                continue
            if link.score < self.config.min_alignment_score:
                stats.drop("alignment", f"confidence below {self.config.min_alignment_score}")
                continue
            if self.config.different_word_positives and not job.crosslingual:
                positive = job.other_text[job.other_words[link.first].start : job.other_words[link.last].end]
                if relation(job.anchor_words[index].text, positive) != "different_word":
                    stats.drop("alignment", "aligned to the same word")
                    continue
            job.links[index] = (link.first, link.last, link.score, self.config.alignment)
        stats.time("align", time.perf_counter() - started, len(pending))

    def _records(self, jobs: list[_Job], stats: BuildStats) -> list[dict[str, Any]]:
        config = self.config
        drafts = []
        for job in jobs:
            for index in job.targets:
                if index not in job.links:
                    continue
                first, last, score, method = job.links[index]
                anchor_word = job.anchor_words[index]
                p_start, p_end = job.other_words[first].start, job.other_words[last].end
                stats.add("alignment", f"kept ({method})")
                positive_word = job.other_text[p_start:p_end]
                kind = relation(anchor_word.text, positive_word)
                stats.add("positives_crosslingual" if job.crosslingual else "positives", kind)
                stats.add("positives_by_source", f"{job.pair.source}/{job.other_lang}|{kind}")
                record_id = f"{job.pair.pair_id}/{job.side}{index}"
                if job.crosslingual:
                    host = (job.other_text, p_start, p_end, job.other_lang)
                else:
                    host = (job.anchor_text, anchor_word.start, anchor_word.end, job.anchor_lang)
                request = NegativeRequest(*host, seed=stable_int(config.seed, record_id, "negative"))
                drafts.append((job, index, record_id, (p_start, p_end, score, method), request))
        started = time.perf_counter()
        choices = self.strategy.choose([d[-1] for d in drafts]) if drafts else []
        stats.time("negatives", time.perf_counter() - started, len(drafts))
        records = []
        for (job, index, record_id, (p_start, p_end, score, method), request), choice in zip(drafts, choices):
            if not isinstance(choice, NegativeChoice):
                stats.drop("negatives", choice)
                continue
            new_word = match_case(choice.word, request.word, starts_sentence(request.text, request.start))
            if new_word.casefold() == request.word.casefold():
                stats.drop("negatives", "candidate equals the replaced word")
                continue
            try:
                negative_text, n_start, n_end = substitute(request.text, request.start, request.end, new_word)
            except ValueError:
                stats.drop("negatives", "host span is not a whole word")
                continue
            anchor_word = job.anchor_words[index]
            record = {
                "id": record_id,
                "anchor": span(job.anchor_text, anchor_word.start, anchor_word.end, job.anchor_lang),
                "positive": span(job.other_text, p_start, p_end, job.other_lang),
                "negative": span(negative_text, n_start, n_end, request.lang),
                "setting": "crosslingual" if job.crosslingual else "monolingual",
                "negative_strategy": self.strategy.name,
                "positive_source": job.pair.source,
                "alignment": method,
                "alignment_score": round(float(score), 4),
                "negative_score": None if choice.score is None else round(float(choice.score), 4),
                "pair_id": job.pair.pair_id,
            }
            check_record(
                record,
                {"anchor": anchor_word.text, "positive": job.other_text[p_start:p_end], "negative": new_word},
            )
            stats.add("negatives", "kept")
            records.append(record)
        return records

    def process_chunk(
        self, plan: ChunkPlan, chosen: dict[tuple[int, str], list[int]], stats: BuildStats
    ) -> list[dict[str, Any]]:
        """All records of one planned chunk whose targets are ``chosen``."""
        started = time.perf_counter()
        jobs = self._jobs(plan, chosen)
        pending = self._surface_links(jobs, stats)
        stats.time("select", time.perf_counter() - started, 0)
        self._embedding_links(pending, stats)
        return self._records(jobs, stats)

    # -- the whole build ------------------------------------------------------------------

    def run(self, out_dir: str | Path, overwrite: bool = False) -> dict[str, Any]:
        config, procs = self.config, self.processes
        out_dir = Path(out_dir)
        writer = ShardWriter(out_dir, config.fingerprint())
        if overwrite and procs.is_main:
            writer.reset()
        procs.barrier()
        state = writer.load_state() or {}
        if config.negative_strategy == "mlm" and self._masked_lm is None:
            # before any input is read: a checkpoint without a masked-LM head fails in seconds
            self._masked_lm = load_masked_lm(config.mlm_model or config.encoder)
        run_stats = BuildStats()
        if not state.get("finished"):
            total_pairs = self.build_vocabularies(run_stats)  # bad inputs fail here, before any write
            self.strategy = self._make_strategy()
            if procs.is_main:
                writer.start()
            procs.barrier()
            self._build_chunks(writer, total_pairs)
            procs.barrier()
        if not procs.is_main:
            return {}
        return self._finish(writer, out_dir, run_stats)

    def _build_chunks(self, writer: ShardWriter, total_pairs: int) -> None:
        """Plan the owned chunks, replay the cap over every chunk, build and commit the owned ones."""
        config, procs, work = self.config, self.processes, writer.work
        items = self._items()
        used: dict[str, Counter] = {}
        done = _CommittedPrefix(writer)
        bar = tqdm(total=total_pairs, desc="build-corpus", unit="pair", disable=not config.progress)
        for chunk in count():
            batch = list(islice(items, config.chunk_size))
            if not batch or done.reached(config.max_records, chunk):
                break
            own = procs.owns(chunk)
            self._words.clear()
            if own and not plan_path(work, chunk).exists():
                write_plan(work, chunk, self.plan_chunk(batch))
            elif not own and not done.wait_for_plan(config.max_records, chunk):
                break
            plan = read_plan(work, chunk)
            stats = BuildStats(plan.stats)
            chosen = self.choose_targets(plan, used, stats)
            if own and writer.committed(chunk) is None:
                records = self.process_chunk(plan, chosen, stats)
                writer.commit(chunk, records, stats.to_state(), procs.rank)
                kill_point("build-corpus", chunk)
            if own:
                bar.update(sum(isinstance(item, SentencePair) for item in batch))
        bar.close()

    def _finish(self, writer: ShardWriter, out_dir: Path, run_stats: BuildStats) -> dict[str, Any]:
        """Merge the committed chunks in input order (up to ``max_records``) into the outputs."""
        config = self.config
        stats, chunks, total = BuildStats(), 0, 0
        while (config.max_records is None or total < config.max_records) and (
            marker := writer.committed(chunks)
        ) is not None:
            stats.merge(BuildStats(marker["stats"]))
            total += marker["records"]
            chunks += 1
        if config.max_records is not None:
            total = min(total, config.max_records)
        if not total:
            writer.reset()
            if out_dir.is_dir() and not any(out_dir.iterdir()):
                out_dir.rmdir()
            raise ValueError(f"the build made 0 records: {stats.empty_reason()}")
        writer.mark_finished()

        def records() -> Iterator[dict[str, Any]]:
            return islice(writer.records(chunks), total)

        started = time.perf_counter()
        split_counts = write_outputs(
            records, out_dir, config.heldout_fraction, config.sample_size, config.seed
        )
        run_stats.time("write", time.perf_counter() - started, total)
        stats.merge(run_stats)
        if summary := stats.dropped_summary():
            logger.warning(summary)
        report = stats.report()
        report["records"] = {**split_counts, "total": sum(split_counts.values())}
        report["config"] = config.to_dict()
        atomic_write_text(
            out_dir / STATS_FILE, json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
        )
        return report


class _CommittedPrefix:
    """How many records the committed chunks ``0 .. k - 1`` hold, for the longest such prefix:
    once it reaches ``max_records`` no later chunk is needed by any process."""

    def __init__(self, writer: ShardWriter) -> None:
        self.writer, self.chunks, self.records = writer, 0, 0

    def reached(self, max_records: int | None, chunk: int) -> bool:
        if max_records is None:
            return False
        while self.chunks < chunk and (marker := self.writer.committed(self.chunks)) is not None:
            self.records += marker["records"]
            self.chunks += 1
        return self.chunks == chunk and self.records >= max_records

    def wait_for_plan(self, max_records: int | None, chunk: int) -> bool:
        """Wait for another process's plan of ``chunk``; ``False`` when it will never come because
        the chunks before it already hold ``max_records``."""
        path = plan_path(self.writer.work, chunk)
        if max_records is None:
            wait_for_file(path)
            return True
        while not path.exists():
            if self.reached(max_records, chunk):
                return False
            time.sleep(0.02)
        return True


def build_corpus(
    config: CorpusConfig,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    encoder=None,
    tokenizer=None,
    masked_lm=None,
    translator: RoundTripTranslator | None = None,
    device: str | None = None,
    tokens_per_batch: int = 8192,
) -> dict[str, Any]:
    """Build (or finish building) a corpus into ``out_dir``; returns the ``stats.json`` content
    (an empty dict on the other processes of an ``accelerate launch`` group).

    ``encoder``/``tokenizer``, ``masked_lm`` (a ``(model, tokenizer)`` pair) and ``translator``
    take already-loaded models; otherwise they are loaded from the names in ``config``. All of
    them run on ``device`` (default: the one Accelerate selects).
    """
    builder = CorpusBuilder(
        config, encoder, tokenizer, masked_lm, translator, device=device, tokens_per_batch=tokens_per_batch
    )
    return builder.run(out_dir, overwrite=overwrite)
