"""The task registry: every task name, its files (relative to a data folder) and its protocol.

Names: ``wic``, ``wic-test``; ``mcl-wic-dev-<x>``, ``mcl-wic-test-<x>-<x>``, ``mcl-wic-test-en-<x>``,
``mcl-wic-trial-en-<x>``; ``am2ico-dev-<l>``, ``am2ico-test-<l>``, ``am2ico-<l>-transfer``;
``scws``, ``scws-shared``, ``usim``, ``cosimlex-<l>``; ``sts12`` … ``sts16``, ``stsb-dev``, ``stsb-test``, ``sick-r``,
``sts17-<pair>``; ``offset-<l>`` (any language of the held-back file). Groups expand to several
tasks (``mcl-wic-dev``, ``sts`` …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from .loaders import (
    load_am2ico,
    load_cosimlex,
    load_mcl_wic,
    load_scws,
    load_scws_shared_context,
    load_sick,
    load_sts17,
    load_sts_year,
    load_stsb,
    load_usim,
    load_wic,
)
from .task_kinds import (
    Source,
    TaskSpec,
    run_binary,
    run_contextual,
    run_graded,
    run_offset,
    run_sentences,
)

MCL_LANGUAGES = ("ar", "en", "fr", "ru", "zh")
AM2ICO_LANGUAGES = ("ar", "bn", "de", "eu", "fi", "id", "ja", "ka", "kk", "ko", "ru", "tr", "ur", "zh")
COSIMLEX_LANGUAGES = ("en", "fi", "hr", "sl")
STS17_TRACKS = {
    "ar-ar": "track1.ar-ar",
    "ar-en": "track2.ar-en",
    "es-es": "track3.es-es",
    "es-en": "track4a.es-en",
    "es-en-wmt": "track4b.es-en",
    "en-en": "track5.en-en",
    "tr-en": "track6.tr-en",
}


def _mcl(split: str, first: str, second: str) -> Source:
    kind = "multilingual" if first == second else "crosslingual"
    return Source(
        f"mcl-wic/{split}/{kind}/{split}.{first}-{second}.data",
        load_mcl_wic,
        f"mcl-wic-{split}-{first}-{second}",
    )


def _mcl_dev(language: str) -> Source:
    source = _mcl("dev", language, language)
    return Source(source.relative, source.loader, f"mcl-wic-dev-{language}")


def _am2ico(language: str, split: str) -> Source:
    return Source(f"am2ico/{language}/{split}.tsv", load_am2ico, f"am2ico-{split}-{language}")


def _transfer_reference(language: str) -> str:
    """MCL-WiC dev language whose threshold an AM2iCo language borrows (its own, else English)."""
    return language if language in MCL_LANGUAGES else "en"


def _wic_tasks() -> list[TaskSpec]:
    train = Source("wic/train/train.data.txt", load_wic, "train")
    dev = Source("wic/dev/dev.data.txt", load_wic, "dev")
    test = Source("wic/test/test.data.txt", load_wic, "test")
    common = dict(dataset="WiC", language="en", metric="accuracy", run=run_binary, tuning=train)
    return [
        TaskSpec("wic", split="dev", source=dev, tuning_optional=True, oracle=True, **common),
        TaskSpec("wic-test", split="test", source=test, oracle=True, **common),
    ]


def _mcl_tasks() -> list[TaskSpec]:
    specs = []
    common = dict(dataset="MCL-WiC", metric="accuracy", run=run_binary)
    for x in MCL_LANGUAGES:
        specs.append(
            TaskSpec(f"mcl-wic-dev-{x}", split="dev", language=f"{x}-{x}", source=_mcl_dev(x), **common)
        )
    for x in MCL_LANGUAGES:
        specs.append(
            TaskSpec(
                f"mcl-wic-test-{x}-{x}",
                split="test",
                language=f"{x}-{x}",
                source=_mcl("test", x, x),
                tuning=_mcl_dev(x),
                oracle=True,
                **common,
            )
        )
    for split in ("test", "trial"):
        for x in MCL_LANGUAGES[:1] + MCL_LANGUAGES[2:]:
            specs.append(
                TaskSpec(
                    f"mcl-wic-{split}-en-{x}",
                    split=split,
                    language=f"en-{x}",
                    source=_mcl(split, "en", x),
                    tuning=_mcl_dev(x),
                    oracle=True,
                    **common,
                )
            )
    return specs


def _am2ico_tasks() -> list[TaskSpec]:
    specs = []
    common = dict(dataset="AM2iCo", metric="accuracy", run=run_binary)
    for lang in AM2ICO_LANGUAGES:
        specs.append(
            TaskSpec(
                f"am2ico-dev-{lang}",
                split="dev",
                language=f"{lang}-en",
                source=_am2ico(lang, "dev"),
                **common,
            )
        )
        specs.append(
            TaskSpec(
                f"am2ico-test-{lang}",
                split="test",
                language=f"{lang}-en",
                source=_am2ico(lang, "test"),
                tuning=_am2ico(lang, "dev"),
                oracle=True,
                **common,
            )
        )
        specs.append(
            TaskSpec(
                f"am2ico-{lang}-transfer",
                split="dev",
                language=f"{lang}-en",
                source=_am2ico(lang, "dev"),
                tuning=_mcl_dev(_transfer_reference(lang)),
                oracle=True,
                **common,
            )
        )
    return specs


def _graded_tasks() -> list[TaskSpec]:
    specs = [
        TaskSpec(
            "scws", "SCWS", "all", "en", "spearman", run_graded, Source("scws/scws.txt", load_scws, "scws")
        ),
        TaskSpec(
            "scws-shared",
            "SCWS",
            "shared-context",
            "en",
            "spearman",
            run_graded,
            Source("scws/scws.txt", load_scws_shared_context, "scws-shared"),
        ),
        TaskSpec(
            "usim", "USim", "all", "en", "spearman", run_graded, Source("usim/usim.txt", load_usim, "usim")
        ),
    ]
    for lang in COSIMLEX_LANGUAGES:
        source = Source(f"cosimlex/cosimlex_{lang}.csv", load_cosimlex, f"cosimlex-{lang}")
        specs.append(
            TaskSpec(f"cosimlex-{lang}", "CoSimLex", "all", lang, "spearman", run_contextual, source)
        )
    return specs


def _sts_tasks() -> list[TaskSpec]:
    specs = []
    for year in range(12, 17):
        source = Source(f"sts12-16/STS{year}/test", load_sts_year, f"sts{year}")
        specs.append(TaskSpec(f"sts{year}", f"STS{year}", "test", "en", "spearman", run_sentences, source))
    for split in ("dev", "test"):
        source = Source(f"stsbenchmark/stsbenchmark/sts-{split}.csv", load_stsb, f"stsb-{split}")
        specs.append(TaskSpec(f"stsb-{split}", "STS-B", split, "en", "spearman", run_sentences, source))
    sick = Source("sick/SICK_test_annotated.txt", load_sick, "sick-r")
    specs.append(TaskSpec("sick-r", "SICK-R", "test", "en", "spearman", run_sentences, sick))
    for pair, track in STS17_TRACKS.items():
        languages = tuple(track.split(".")[1].split("-"))
        source = Source(
            f"sts17/STS2017.eval.v1.1/STS.input.{track}.txt",
            partial(_load_sts17_track, track=track, languages=languages),
            f"sts17-{pair}",
        )
        specs.append(TaskSpec(f"sts17-{pair}", "STS17", "test", pair, "spearman", run_sentences, source))
    return specs


def _load_sts17_track(input_path: Path, track: str, languages: tuple[str, str]):
    gold = input_path.parents[1] / "STS2017.gs" / f"STS.gs.{track}.txt"
    return load_sts17(input_path, gold, languages)


def offset_task(lang: str) -> TaskSpec:
    """The offset task of one language; any language of the held-back file has one (the bitext may
    hold languages no benchmark covers), measured against MCL-WiC X–X dev, else en–en."""
    return TaskSpec(
        f"offset-{lang}",
        "language offset",
        "held-back",
        lang,
        "offset",
        run_offset,
        _mcl_dev(_transfer_reference(lang)),
    )


def _offset_tasks() -> list[TaskSpec]:
    return [offset_task(lang) for lang in sorted(set(MCL_LANGUAGES + AM2ICO_LANGUAGES) - {"en"})]


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in _wic_tasks()
    + _mcl_tasks()
    + _am2ico_tasks()
    + _graded_tasks()
    + _sts_tasks()
    + _offset_tasks()
}

GROUPS: dict[str, list[str]] = {
    "mcl-wic-dev": [f"mcl-wic-dev-{x}" for x in MCL_LANGUAGES],
    "mcl-wic-test": [name for name in TASKS if name.startswith("mcl-wic-test-")],
    "mcl-wic-trial": [name for name in TASKS if name.startswith("mcl-wic-trial-")],
    "am2ico-dev": [f"am2ico-dev-{lang}" for lang in AM2ICO_LANGUAGES],
    "am2ico-test": [f"am2ico-test-{lang}" for lang in AM2ICO_LANGUAGES],
    "am2ico-transfer": [f"am2ico-{lang}-transfer" for lang in AM2ICO_LANGUAGES],
    "cosimlex": [f"cosimlex-{lang}" for lang in COSIMLEX_LANGUAGES],
    "sts": ["sts12", "sts13", "sts14", "sts15", "sts16", "stsb-test", "sick-r"],
    "sts17": [f"sts17-{pair}" for pair in STS17_TRACKS],
}
OFFSET_GROUP = "offset"
OFFSET_NAME = re.compile(r"offset-[a-z]{2,3}")


def resolve_tasks(names: str | Iterable[str], offset_languages: Iterable[str] = ()) -> list[TaskSpec]:
    """Task specs for names and groups (a comma-separated string or a list), in order, no repeats.

    ``offset`` expands to ``offset-<l>`` for ``offset_languages`` (those of the held-back file).
    """
    if isinstance(names, str):
        names = names.split(",")
    wanted: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name in GROUPS:
            wanted.extend(GROUPS[name])
        elif name == OFFSET_GROUP:
            wanted.extend(f"offset-{lang}" for lang in sorted(offset_languages) if lang != "en")
        elif name in TASKS or OFFSET_NAME.fullmatch(name):
            wanted.append(name)
        else:
            raise ValueError(
                f"unknown task {name!r}. Valid tasks: {', '.join(TASKS)}. "
                f"Groups: {', '.join(list(GROUPS) + [OFFSET_GROUP])}"
            )
    if not wanted:
        raise ValueError("no task given (e.g. tasks=['wic'] or --tasks wic,scws)")
    return [TASKS.get(name) or offset_task(name.removeprefix("offset-")) for name in dict.fromkeys(wanted)]
