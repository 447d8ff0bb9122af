"""Language codes and scripts: ISO 639-3 / file-name codes to the records' short codes.

Records carry ISO 639-1 codes where one exists (``ara``/``arb`` -> ``ar``, ``cmn``/``zho-CN``
-> ``zh``); candidate words for negatives are filtered to the script of the host language,
because multilingual input-embedding neighbours are mostly translations.
"""

from __future__ import annotations

import regex

ISO3_TO_ISO1 = {
    "afr": "af",
    "amh": "am",
    "ara": "ar",
    "arb": "ar",
    "aze": "az",
    "bel": "be",
    "ben": "bn",
    "bos": "bs",
    "bre": "br",
    "bul": "bg",
    "cat": "ca",
    "ces": "cs",
    "cze": "cs",
    "cmn": "zh",
    "cym": "cy",
    "dan": "da",
    "deu": "de",
    "ger": "de",
    "ell": "el",
    "eng": "en",
    "epo": "eo",
    "est": "et",
    "eus": "eu",
    "fas": "fa",
    "pes": "fa",
    "fin": "fi",
    "fra": "fr",
    "fre": "fr",
    "gle": "ga",
    "glg": "gl",
    "heb": "he",
    "hin": "hi",
    "hrv": "hr",
    "hun": "hu",
    "hye": "hy",
    "ind": "id",
    "isl": "is",
    "ita": "it",
    "jpn": "ja",
    "kat": "ka",
    "kaz": "kk",
    "khm": "km",
    "kor": "ko",
    "lat": "la",
    "lit": "lt",
    "lvs": "lv",
    "lav": "lv",
    "mal": "ml",
    "mar": "mr",
    "mkd": "mk",
    "mon": "mn",
    "nld": "nl",
    "nno": "nn",
    "nob": "nb",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rus": "ru",
    "slk": "sk",
    "slv": "sl",
    "spa": "es",
    "sqi": "sq",
    "srp": "sr",
    "swe": "sv",
    "swh": "sw",
    "tam": "ta",
    "tat": "tt",
    "tel": "te",
    "tgl": "tl",
    "tha": "th",
    "tur": "tr",
    "uig": "ug",
    "ukr": "uk",
    "urd": "ur",
    "uzb": "uz",
    "vie": "vi",
    "zho": "zh",
    "zsm": "ms",
}

SCRIPTS = {
    "ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "ug": "Arabic",
    "ru": "Cyrillic", "uk": "Cyrillic", "bg": "Cyrillic", "be": "Cyrillic", "kk": "Cyrillic",
    "mk": "Cyrillic", "mn": "Cyrillic", "sr": "Cyrillic", "tt": "Cyrillic",
    "zh": "Han", "ja": "Han|Hiragana|Katakana", "ko": "Hangul", "el": "Greek", "he": "Hebrew",
    "hi": "Devanagari", "mr": "Devanagari", "bn": "Bengali", "ta": "Tamil", "te": "Telugu",
    "ml": "Malayalam", "th": "Thai", "ka": "Georgian", "hy": "Armenian", "am": "Ethiopic",
    "km": "Khmer",
}  # fmt: skip


UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my"})


def min_chars_for(lang: str, min_chars: int) -> int:
    """A minimum word length that makes sense for the script (one character for Chinese)."""
    return 1 if normalize_lang(lang) in UNSPACED else min_chars


def normalize_lang(code: str) -> str:
    """``"arb"``, ``"zho-CN"``, ``"FR"`` -> ``"ar"``, ``"zh"``, ``"fr"``; unknown codes pass lower-cased."""
    if not code or not code.strip():
        raise ValueError(f"empty language code {code!r}; expected e.g. 'en', 'fra' or 'zho-CN'")
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return ISO3_TO_ISO1.get(base, base)


def script_of(lang: str) -> str:
    """The script name of a language code (Latin for anything not listed)."""
    return SCRIPTS.get(normalize_lang(lang), "Latin")


_SCRIPT_PATTERNS: dict[str, regex.Pattern] = {}


def in_script(word: str, lang: str) -> bool:
    """Whether every letter of ``word`` belongs to the script of ``lang``."""
    script = script_of(lang)
    pattern = _SCRIPT_PATTERNS.get(script)
    if pattern is None:
        alternatives = "".join(rf"\p{{{name}}}" for name in script.split("|"))
        pattern = regex.compile(rf"^[{alternatives}\p{{M}}ー]+$")
        _SCRIPT_PATTERNS[script] = pattern
    return bool(pattern.match(word))
