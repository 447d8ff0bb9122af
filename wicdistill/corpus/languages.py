"""Language codes and scripts: ISO 639-3 / file-name codes to the records' short codes.

Records carry ISO 639-1 codes where one exists (``ara``/``arb`` -> ``ar``, ``cmn``/``zho-CN``
-> ``zh``); candidate words for negatives are filtered to the script of the host language,
because multilingual input-embedding neighbours are mostly translations.
"""

from __future__ import annotations

from collections.abc import Sequence

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

ISO639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
    ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo
    lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps
    pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn
    to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()
)
"""Every ISO 639-1 code: a language code given by a user is one of these or a key of ``ISO3_TO_ISO1``."""

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


PREFERRED_CODES = {"zh": ("cmn", "zho-CN", "zho"), "ar": ("ara", "arb"), "fa": ("pes", "fas")}
"""Which of several codes of one language to take when a request names only the language."""


def match_code(requested: str, available: Sequence[str]) -> str | None:
    """The code among ``available`` (file names, a translation column's keys) for a requested
    language: the exact code first, then by normalised code (``zh`` picks ``cmn`` in Tatoeba,
    ``zho-CN`` in NTREX); ``None`` when no code is that language."""
    if requested in available:
        return requested
    short = normalize_lang(requested)
    matches = [code for code in available if normalize_lang(code) == short]
    for preferred in PREFERRED_CODES.get(short, ()):
        if preferred in matches:
            return preferred
    return sorted(matches)[0] if matches else None


def checked_lang(code: str, where: str) -> str:
    """``normalize_lang(code)``, refusing a code that is no known language (a typo such as
    ``en-qq`` would otherwise turn paraphrase data into "bitext" silently)."""
    lang = normalize_lang(code)
    if lang not in ISO639_1 and lang not in ISO3_TO_ISO1:
        raise ValueError(
            f"{where}: unknown language code {code!r}; expected an ISO 639-1 code such as 'en', 'fr', 'zh' "
            f"or an ISO 639-3 code with one (e.g. 'fra', 'zho-CN')"
        )
    return lang


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
