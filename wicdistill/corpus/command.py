"""``wicdistill build-corpus``: build a triple corpus from paraphrase pairs or bitext.

Examples:
    wicdistill build-corpus --input bundled --negatives embedding --out corpus-en
    wicdistill build-corpus --encoder xlm-roberta-large --negatives mlm --heldout-fraction 0.05 --out corpus-xling \\
        --input "hf:sentence-transformers/parallel-sentences-wikimatrix:en-fr:train?columns=english,non_english&langs=en-fr"
    accelerate launch --num_processes 4 -m wicdistill.cli build-corpus --input ... --out corpus  # 4 shards, one dataset
"""

from __future__ import annotations

import argparse
import json

from .config import MONOLINGUAL_ALIGNMENTS, CorpusConfig
from .segmenters import UNSPACED_SEGMENTERS
from .sources import __doc__ as SOURCES_DOC

_DEFAULTS = {k: v for k, v in CorpusConfig(["bundled"]).to_dict().items() if k != "inputs"}


# fmt: off
def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "input specs:" + SOURCES_DOC.split("\n", 1)[1]
    d = _DEFAULTS
    parser.add_argument("--input", dest="inputs", action="append", required=True, metavar="SPEC",
                        help="an input spec (repeatable), e.g. bundled, mrpc:FILE, tatoeba:DIR:ara,fra")
    parser.add_argument("--out", required=True, help="output folder (resumed when it holds a partial build)")
    parser.add_argument("--overwrite", action="store_true", help="discard a partial build in --out")
    parser.add_argument("--encoder", default=d["encoder"], help="encoder name or folder (default %(default)s)")
    parser.add_argument("--negatives", dest="negative_strategy", default=d["negative_strategy"],
                        choices=("mlm", "embedding", "random"), help="negative strategy (default %(default)s)")
    parser.add_argument("--mlm-model", default=None, help="masked LM for --negatives mlm (default: the encoder)")
    parser.add_argument("--mlm-top-k", type=int, default=d["mlm_top_k"])
    parser.add_argument("--negative-band", type=int, nargs=2, default=list(d["negative_band"]), metavar=("LOW", "HIGH"),
                        help="neighbour rank band of embedding negatives (default %(default)s)")
    parser.add_argument("--negative-min-count", type=int, default=d["negative_min_count"],
                        help="corpus count a substitute word needs (default %(default)s)")
    parser.add_argument("--negative-skip-top", type=int, default=d["negative_skip_top"],
                        help="never use the N most frequent word types as negatives (default %(default)s)")
    parser.add_argument("--alignment", default=d["alignment"], choices=("mutual_argmax", "itermax"))
    parser.add_argument("--align-layer", type=int, default=None, help="encoder layer for alignment (default 2/3 up)")
    parser.add_argument("--alignment-temperature", type=float, default=d["alignment_temperature"])
    parser.add_argument("--min-alignment-score", type=float, default=d["min_alignment_score"])
    parser.add_argument("--monolingual-alignment", default=d["monolingual_alignment"], choices=MONOLINGUAL_ALIGNMENTS)
    parser.add_argument("--different-word-positives", action="store_true",
                        help="monolingual: keep only positives that are a different word than the anchor")
    parser.add_argument("--anchor-langs", default=",".join(d["anchor_langs"]),
                        help="languages whose sentences give anchors (comma list; empty = every side)")
    parser.add_argument("--min-words", type=int, default=d["min_words"])
    parser.add_argument("--max-words", type=int, default=d["max_words"])
    parser.add_argument("--min-chars", type=int, default=d["min_chars"])
    parser.add_argument("--skip-top-fraction", type=float, default=d["skip_top_fraction"],
                        help="skip this fraction of the most frequent word types (default %(default)s)")
    parser.add_argument("--min-count", type=int, default=d["min_count"])
    parser.add_argument("--max-per-word", type=int, default=d["max_per_word"], help="targets chosen per word over the whole input (so at most that many records)")
    parser.add_argument("--max-per-sentence", type=int, default=d["max_per_sentence"], help="targets per sentence")
    parser.add_argument("--keep-capitalised", dest="skip_capitalised", action="store_false",
                        help="allow targets whose usual spelling is capitalised (names are skipped by default)")
    parser.add_argument("--unspaced-words", choices=UNSPACED_SEGMENTERS, default=d["unspaced_words"],
                        help="cut Chinese/Japanese/Thai runs into words at the tokenizer's pieces, or (Han) "
                             "with the jieba dictionary: pip install 'wicdistill[zh]' (default %(default)s)")
    parser.add_argument("--vocab-text", dest="vocab_texts", action="append", default=[], metavar="LANG:PATH",
                        help="extra monolingual text for word frequencies (repeatable)")
    parser.add_argument("--translation-models", nargs=2, default=None, metavar=("FORWARD", "BACKWARD"),
                        help="seq2seq models for roundtrip inputs (e.g. an en->de and a de->en model)")
    parser.add_argument("--heldout-fraction", type=float, default=d["heldout_fraction"])
    parser.add_argument("--max-pairs", type=int, default=None)
    parser.add_argument("--sample-fraction", type=float, default=d["sample_fraction"],
                        help="use this stable-hash sample of the pairs of every input (default all)")
    parser.add_argument("--max-records", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=d["chunk_size"])
    parser.add_argument("--seed", type=int, default=d["seed"])
    parser.add_argument("--batch-size", type=int, default=d["batch_size"])
    parser.add_argument("--threads", dest="num_threads", type=int, default=None)
    parser.add_argument("--device", default=None,
                        help="where every model of the build runs: cpu, cuda, cuda:1, mps (default: what Accelerate selects)")
    parser.add_argument("--tokens-per-batch", type=int, default=8192,
                        help="padded tokens per encoder batch (default %(default)s; larger on a GPU, e.g. 65536)")
    parser.add_argument("--sample-size", type=int, default=d["sample_size"])
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    # fmt: on


def run(args: argparse.Namespace) -> int:
    from .builder import build_corpus

    values = vars(args).copy()
    out, overwrite = values.pop("out"), values.pop("overwrite")
    device, tokens_per_batch = values.pop("device"), values.pop("tokens_per_batch")
    values.pop("command", None)
    values["anchor_langs"] = tuple(code for code in values["anchor_langs"].split(",") if code)
    values["negative_band"] = tuple(values["negative_band"])
    if values["translation_models"] is not None:
        values["translation_models"] = tuple(values["translation_models"])
    config = CorpusConfig(**values)
    report = build_corpus(config, out, overwrite=overwrite, device=device, tokens_per_batch=tokens_per_batch)
    if report:  # only the main process of an accelerate launch group reports
        print(json.dumps({"out": out, "records": report["records"]}, indent=2))
    return 0
