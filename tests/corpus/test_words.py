"""Word segmentation, languages/scripts and the token -> word mapping."""

from __future__ import annotations

import pytest
from fixtures.corpus.tiny_corpus import unigram_tokenizer, wordpiece_tokenizer

from wicdistill.corpus.languages import in_script, normalize_lang
from wicdistill.corpus.word_pieces import token_words, tokenizer_splitter
from wicdistill.corpus.words import is_alphabetic, is_word_boundary, segment_words


def test_words_slice_to_their_text_in_any_script():
    text = "The café's well-known bank (2021) — مَرْحَبًا بِكُمْ, Привет мир! 我喜欢银行。"
    words = segment_words(text)
    assert [w.text for w in words][:5] == ["The", "café's", "well-known", "bank", "2021"]
    assert all(text[w.start : w.end] == w.text for w in words)
    assert "مَرْحَبًا" in [w.text for w in words]  # diacritics stay inside the word
    assert [w.text for w in words][-5:] == ["我", "喜", "欢", "银", "行"]


def test_unspaced_runs_follow_the_tokenizer_pieces():
    tokenizer = unigram_tokenizer()
    words = segment_words("中央银行今年再次提高了利率。", tokenizer_splitter(tokenizer))
    assert [w.text for w in words][:2] == ["中央", "银行"]
    assert "利率" in [w.text for w in words]


def test_alphabetic_and_boundaries():
    assert is_alphabetic("Zürich") and not is_alphabetic("e-mail") and not is_alphabetic("b2b")
    text = "the bank banks on a bank"
    assert is_word_boundary(text, 4, 8)
    assert not is_word_boundary(text, 9, 13)  # "bank" inside "banks"
    assert not is_word_boundary(text, 5, 8)
    assert is_word_boundary("我喜欢银行", 3, 5)  # inside an unspaced run the segmentation decides
    assert is_word_boundary("就AM头衔的", 3, 4) and is_word_boundary("就AM头衔的", 1, 3)


@pytest.mark.parametrize(
    "code, expected",
    [("ara", "ar"), ("arb", "ar"), ("fra", "fr"), ("rus", "ru"), ("cmn", "zh"), ("zho-CN", "zh"), ("zho_TW", "zh"),
     ("deu", "de"), ("spa", "es"), ("eng", "en"), ("EN", "en"), ("pes", "fa"), ("xyz", "xyz")],
)  # fmt: skip
def test_language_codes_are_normalised(code, expected):
    assert normalize_lang(code) == expected


def test_empty_language_code_is_refused():
    with pytest.raises(ValueError, match="empty language code"):
        normalize_lang(" ")


def test_script_filter():
    assert in_script("банк", "ru") and not in_script("bank", "ru")
    assert in_script("banque", "fr") and not in_script("银行", "fr")
    assert in_script("银行", "zh") and in_script("مرحبا", "ar") and not in_script("bank", "ar")


@pytest.mark.parametrize("make", [wordpiece_tokenizer, unigram_tokenizer])
def test_every_content_token_maps_to_the_word_it_overlaps(make):
    tokenizer = make()
    text = "The zebras raised rain prices, sharply."
    words = segment_words(text)
    enc = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    blank = {tokenizer.convert_tokens_to_ids("▁")} - {tokenizer.unk_token_id}
    mapping = token_words(
        text, enc["offset_mapping"], enc["special_tokens_mask"], enc["input_ids"], blank, words
    )
    assert mapping[0] == -1 and mapping[-1] == -1
    covered = {}
    for (start, end), index, token_id in zip(enc["offset_mapping"], mapping, enc["input_ids"]):
        if index >= 0:
            word = words[index]
            assert token_id not in blank
            assert max(start, word.start) < min(end, word.end)
            covered.setdefault(index, []).append(token_id)
    assert sorted(covered) == list(range(len(words)))  # every word has tokens
    zebras = [w.text for w in words].index("zebras")
    assert len(covered[zebras]) > 1  # an unknown word is split into pieces in both tokenizers


def test_jieba_cuts_han_runs_into_dictionary_words():
    from wicdistill.corpus.segmenters import make_splitter

    pieces = tokenizer_splitter(unigram_tokenizer())
    splitter = make_splitter("jieba", pieces)
    text = "他在新西兰的坎特伯雷大学任哲学讲师, in 2020 年。"
    words = [w.text for w in segment_words(text, splitter)]
    assert words[:6] == ["他", "在", "新西兰", "的", "坎特伯雷", "大学"]
    assert words[-3:] == ["in", "2020", "年"]
    assert splitter("ひらがな") == pieces("ひらがな")  # kana keeps the tokenizer's pieces
    assert make_splitter("pieces", pieces) is pieces


def test_unknown_segmenter_and_missing_jieba_are_explained(monkeypatch):
    import sys

    from wicdistill.corpus.config import CorpusConfig
    from wicdistill.corpus.segmenters import make_splitter

    with pytest.raises(ValueError, match=r"unspaced_words must be one of \('pieces', 'jieba'\), got 'mecab'"):
        CorpusConfig(inputs=["bundled"], unspaced_words="mecab")
    with pytest.raises(ValueError, match="got 'mecab'"):
        make_splitter("mecab", str.split)
    monkeypatch.setitem(sys.modules, "jieba", None)
    with pytest.raises(ImportError, match=r"pip install 'wicdistill\[zh\]'"):
        make_splitter("jieba", str.split)
