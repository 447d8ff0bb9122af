"""Tiny random encoders and tokenizers built offline, for both tokenizer families.

BERT-like: WordPiece, lower-casing and accent-stripping normaliser, ``[CLS] .. [SEP]``.
XLM-R-like: Unigram with a Metaspace pre-tokenizer, ``<s> .. </s>``, including a bare ``▁``
piece so that some words start with it (as in XLM-R's real vocabulary).
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast, XLMRobertaConfig

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
