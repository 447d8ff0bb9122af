"""Tiny random encoders and tokenizers built offline, for both tokenizer families.

BERT-like: WordPiece, lower-casing and accent-stripping normaliser, ``[CLS] .. [SEP]``.
XLM-R-like: Unigram with a Metaspace pre-tokenizer, ``<s> .. </s>``, including a bare ``▁``
piece so that some words start with it (as in XLM-R's real vocabulary).

Below them: every encoder family users bring (``ENCODER_FAMILIES``), each with its own tokenizer
class, and encoders wicdistill cannot read (slow tokenizer, no hidden states, decoder-only).
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertForMaskedLM,
    PreTrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    XLMRobertaConfig,
)
from transformers.modeling_outputs import BaseModelOutput

CORPUS = [
    "He sat on the bank of the river.",
    "She deposited money at the bank.",
    "The river bank was muddy after the rain.",
    "A café in Zürich serves crème brûlée to the bankers.",
    "我喜欢银行。 银行在河边。",
    "Привет, мир! Банк закрыт.",
    "The plant grows near the power plant by the water.",
    "They play a play about the bat and the ball.",
]

BERT_WORDS = (
    "the a he she sat on bank river money deposited at of was muddy after rain cafe in zurich serves "
    "creme brulee to plant grows near power by water they play about bat and ball"
).split()
BERT_SUFFIXES = ["##s", "##ed", "##ing", "##er", "##ers"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz0123456789")
PUNCT = list(".,!?;:'\"()-")


def bert_tokenizer() -> PreTrainedTokenizerFast:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    pieces = specials + BERT_WORDS + BERT_SUFFIXES + LETTERS + PUNCT + ["##" + c for c in LETTERS]
    pieces += ["我", "喜", "欢", "银", "行", "。", "在", "河", "边"]
    vocab = {piece: i for i, piece in enumerate(dict.fromkeys(pieces))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True, handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
        model_max_length=64,
    )


def xlmr_tokenizer() -> PreTrainedTokenizerFast:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    chars = sorted({c for line in CORPUS for c in line if not c.isspace()} | set(LETTERS) | set(PUNCT))
    chars += [c.upper() for c in LETTERS if c.isalpha()]
    words = sorted({w.strip(".,!?。") for line in CORPUS for w in line.split()} - {""})
    # "Zürich" and "Банк" are deliberately missing as whole words: they split as "▁" + pieces;
    # Chinese is split into characters.
    multi_piece = ("Zürich", "Банк", "bankers")
    whole = ["▁" + w for w in words if w not in multi_piece and not any("\u4e00" <= c <= "\u9fff" for c in w)]
    pieces = ["▁", "Zü", "rich", "Бан", "к", "bank", "ers", "ing", "ed"]
    vocab = [(s, 0.0) for s in specials]
    vocab += [(p, -2.0 - 0.01 * i) for i, p in enumerate(whole)]
    vocab += [(p, -4.0) for p in pieces]
    vocab += [(c, -8.0) for c in dict.fromkeys(chars)]
    seen: set[str] = set()
    vocab = [(p, s) for p, s in vocab if not (p in seen or seen.add(p))]
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=64,
    )


def bert_config(vocab_size: int, **overrides) -> BertConfig:
    values = dict(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    values.update(overrides)
    return BertConfig(**values)


def xlmr_config(vocab_size: int, **overrides) -> XLMRobertaConfig:
    values = dict(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=66,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    values.update(overrides)
    return XLMRobertaConfig(**values)


def tiny_masked_lm(tokenizer: PreTrainedTokenizerFast, seed: int = 0) -> BertForMaskedLM:
    """A random BERT masked LM over ``tokenizer``'s vocabulary (for the `mlm` negatives)."""
    torch.manual_seed(seed)
    return BertForMaskedLM(bert_config(len(tokenizer))).eval()


# --------------------------------------------------------------------------------------------
# Encoder families users bring (tests/test_encoder_families.py)
# --------------------------------------------------------------------------------------------
#
# Each family's tokenizer is its own transformers class built from a tiny vocabulary, so its
# real normaliser, pre-tokenizer and special-token template are the ones under test; only
# ModernBERT, which has no tokenizer class of its own, is assembled here in its published style.
# Each encoder is saved as the family's masked-LM (or pre-training) checkpoint, as on the Hub.

ENCODER_FAMILIES = (
    "bert",
    "roberta",
    "xlm-roberta",
    "deberta-v2",
    "distilbert",
    "electra",
    "albert",
    "mpnet",
    "modernbert",
)


def _wordpiece_vocab(specials: list[str]) -> dict[str, int]:
    """``bert_tokenizer``'s pieces behind another family's special tokens."""
    pieces = sorted(bert_tokenizer().get_vocab().items(), key=lambda item: item[1])[5:]
    return {piece: i for i, piece in enumerate(specials + [p for p, _ in pieces])}


def _unigram_vocab(specials: list[str], fold_case: bool = False) -> list[tuple[str, float]]:
    """``xlmr_tokenizer``'s scored pieces (bare ``▁`` included) behind another family's specials.

    ``fold_case`` lower-cases and strips accents, for a family whose normaliser does (ALBERT).
    """
    import json
    import unicodedata

    def fold(piece: str) -> str:
        decomposed = unicodedata.normalize("NFKD", piece.lower())
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    pieces = json.loads(xlmr_tokenizer().backend_tokenizer.to_str())["model"]["vocab"][5:]
    if fold_case:
        pieces = [(fold(p), s) for p, s in pieces]
    vocab = [(s, 0.0) for s in specials] + [(p, float(s)) for p, s in pieces if p]
    seen: set[str] = set()
    return [(p, s) for p, s in vocab if not (p in seen or seen.add(p))]


def _byte_level_bpe(specials: list[str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Vocabulary and merges of a byte-level BPE trained on ``CORPUS`` (deterministic)."""
    import json

    from tokenizers import trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer)
    model = json.loads(tok.to_str())["model"]
    return model["vocab"], [tuple(m) if isinstance(m, list) else tuple(m.split()) for m in model["merges"]]


def _modernbert_tokenizer() -> PreTrainedTokenizerFast:
    """ModernBERT's published style: byte-level BPE, no prefix space, ``[CLS] .. [SEP]``."""
    specials = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    vocab, merges = _byte_level_bpe(specials)
    tok = Tokenizer(models.BPE(vocab, merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "attention_mask"],
    )


def family_tokenizer(family: str) -> PreTrainedTokenizerFast:
    """A tiny fast tokenizer of ``family`` (one of ``ENCODER_FAMILIES``).

    It claims 512 tokens as the real ones do, so the tiny encoder's position table (64 usable
    rows) is the limit that ``encoder_max_length`` must find.
    """
    import transformers

    if family in ("bert", "electra", "distilbert"):
        name = {"bert": "BertTokenizer", "electra": "ElectraTokenizer", "distilbert": "DistilBertTokenizer"}
        tokenizer = getattr(transformers, name[family])(
            vocab=_wordpiece_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        )
    elif family == "mpnet":
        tokenizer = transformers.MPNetTokenizer(
            vocab=_wordpiece_vocab(["<s>", "<pad>", "</s>", "[UNK]", "<mask>"])
        )
    elif family == "roberta":
        vocab, merges = _byte_level_bpe(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        tokenizer = transformers.RobertaTokenizer(vocab=vocab, merges=merges)
    elif family == "modernbert":
        tokenizer = _modernbert_tokenizer()
    elif family == "xlm-roberta":
        tokenizer = transformers.XLMRobertaTokenizer(
            vocab=_unigram_vocab(["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        )
    elif family == "albert":
        vocab = _unigram_vocab(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"], fold_case=True)
        tokenizer = transformers.AlbertTokenizer(vocab=vocab)
    elif family == "deberta-v2":
        tokenizer = transformers.DebertaV2Tokenizer(
            vocab=_unigram_vocab(["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"])
        )
    else:
        raise ValueError(f"unknown encoder family {family!r}; expected one of {ENCODER_FAMILIES}")
    tokenizer.model_max_length = 512
    return tokenizer


def family_config(family: str, tokenizer: PreTrainedTokenizerFast) -> PreTrainedConfig:
    """A tiny random configuration of ``family`` over ``tokenizer``'s vocabulary (hidden 32, 4 layers).

    ALBERT and ELECTRA get an embedding width other than the hidden size (as ALBERT's and the
    small ELECTRA's checkpoints have), so their embedding projection is exercised.
    """
    from transformers import AutoConfig

    ids = {
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": tokenizer.cls_token_id,
        "eos_token_id": tokenizer.sep_token_id,
    }
    shape = dict(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=4, num_attention_heads=4)
    shape["intermediate_size"] = 64
    extra: dict = {
        "bert": dict(max_position_embeddings=64),
        "electra": dict(max_position_embeddings=64, embedding_size=16),
        "roberta": dict(max_position_embeddings=66),
        "xlm-roberta": dict(max_position_embeddings=66),
        "mpnet": dict(max_position_embeddings=66),
        "albert": dict(max_position_embeddings=64, embedding_size=16),
        "deberta-v2": dict(max_position_embeddings=64, relative_attention=True, position_buckets=16),
        "modernbert": dict(
            max_position_embeddings=64,
            cls_token_id=tokenizer.cls_token_id,
            sep_token_id=tokenizer.sep_token_id,
            local_attention=8,
        ),
    }
    if family == "distilbert":
        return AutoConfig.for_model(
            "distilbert",
            vocab_size=len(tokenizer),
            dim=32,
            n_layers=4,
            n_heads=4,
            hidden_dim=64,
            max_position_embeddings=64,
            pad_token_id=tokenizer.pad_token_id,
        )
    if family not in extra:
        raise ValueError(f"unknown encoder family {family!r}; expected one of {ENCODER_FAMILIES}")
    return AutoConfig.for_model(family, **shape, **ids, **extra[family])


def save_family_encoder(family: str, path, seed: int = 0) -> PreTrainedModel:
    """Save a tiny random ``family`` checkpoint with a masked-LM head and its tokenizer to ``path``.

    Returns the checkpoint's base model (the weights ``from_encoder_pretrained`` must load).
    """
    from transformers import AutoModelForMaskedLM

    tokenizer = family_tokenizer(family)
    torch.manual_seed(seed)
    checkpoint = AutoModelForMaskedLM.from_config(family_config(family, tokenizer)).eval()
    checkpoint.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return checkpoint.base_model


# Encoders wicdistill cannot read: each must be refused when the model is built.


class LastLayerOnlyConfig(PreTrainedConfig):
    """A custom encoder (as remote code brings them) that never returns its hidden states."""

    model_type = "tiny-last-layer-only"

    def __init__(self, vocab_size: int = 140, hidden_size: int = 32, num_hidden_layers: int = 2, **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        super().__init__(**kwargs)


class LastLayerOnlyModel(PreTrainedModel):
    config_class = LastLayerOnlyConfig
    base_model_prefix = "model"

    def __init__(self, config: LastLayerOnlyConfig):
        super().__init__(config)
        self.embeddings = torch.nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(config.hidden_size, config.hidden_size) for _ in range(config.num_hidden_layers)
        )
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **kwargs):
        hidden = self.embeddings(input_ids)
        for layer in self.layers:
            hidden = torch.tanh(layer(hidden))
        return BaseModelOutput(last_hidden_state=hidden)


def save_encoder_without_hidden_states(path) -> None:
    """A registered custom encoder whose outputs hold no ``hidden_states``, with a fast tokenizer."""
    from transformers import AutoConfig, AutoModel

    AutoConfig.register(LastLayerOnlyConfig.model_type, LastLayerOnlyConfig, exist_ok=True)
    AutoModel.register(LastLayerOnlyConfig, LastLayerOnlyModel, exist_ok=True)
    tokenizer = bert_tokenizer()
    torch.manual_seed(0)
    LastLayerOnlyModel(LastLayerOnlyConfig(vocab_size=len(tokenizer))).save_pretrained(path)
    tokenizer.save_pretrained(path)


def save_gpt2_decoder(path) -> None:
    """A tiny GPT-2 language model (decoder-only, causal attention) with its byte-level tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer

    vocab, merges = _byte_level_bpe(["<|endoftext|>"])
    tokenizer = GPT2Tokenizer(vocab=vocab, merges=merges)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=4, n_head=4, n_positions=64)
    GPT2LMHeadModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)


def save_encoder_with_slow_tokenizer(path) -> None:
    """A tiny RoBERTa encoder with a PhoBERT tokenizer, which exists only as a slow (Python) class
    and so gives no character offsets (as ``vinai/phobert-base`` does)."""
    from pathlib import Path

    from transformers import AutoModel, PhobertTokenizer

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("".join(f"{word} 1\n" for word in BERT_WORDS), encoding="utf-8")
    (path / "bpe.codes").write_text("", encoding="utf-8")
    tokenizer = PhobertTokenizer(str(path / "vocab.txt"), str(path / "bpe.codes"))
    torch.manual_seed(0)
    AutoModel.from_config(family_config("roberta", tokenizer)).save_pretrained(path)
    tokenizer.save_pretrained(path)
