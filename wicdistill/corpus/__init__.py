"""Automatic training corpora of (anchor, positive, negative) triples (design.md §2).

from wicdistill.corpus import CorpusConfig, build_corpus, load_corpus, bundled_paraphrases_path
stats = build_corpus(CorpusConfig(inputs=["bundled"], negative_strategy="embedding"), "corpus/")
train = load_corpus("corpus/")
"""

from .builder import CorpusBuilder, build_corpus
from .config import CorpusConfig
from .languages import normalize_lang
from .roundtrip import RoundTripTranslator
from .sources import KINDS, bundled_paraphrases_path, parse_source
from .store import FEATURES, CorpusColumns, check_record, corpus_fingerprint, load_corpus, read_corpus

__all__ = [
    "FEATURES",
    "KINDS",
    "CorpusBuilder",
    "CorpusColumns",
    "CorpusConfig",
    "RoundTripTranslator",
    "build_corpus",
    "bundled_paraphrases_path",
    "check_record",
    "corpus_fingerprint",
    "load_corpus",
    "normalize_lang",
    "parse_source",
    "read_corpus",
]
