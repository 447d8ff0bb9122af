"""Function words that never become targets or negatives (English; other languages rely on the
frequency band, which removes their most frequent words)."""

from __future__ import annotations

ENGLISH = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each either else even ever
    every few for from further had has have having he her here hers herself him himself his how however
    i if in into is it its itself just least less let like many may me might mine more most much must my
    myself neither never no nor not now of off often on once one only or other others ought our ours
    ourselves out over own per quite rather same says shall she should since so some still such than that
    the their theirs them themselves then there these they this those though through thus to too toward
    towards under until up upon us very via was we well were what whatever when whenever where whereas
    whether which while who whoever whom whose why will with within without would yet you your yours
    yourself yourselves mr mrs ms dr near next beyond behind beside besides onto inside outside said say get got go goes going went made make makes two three four
    five six seven eight nine ten first second last new old another around across along among amongst
    already although always anyone anything anywhere become becomes became cannot else elsewhere enough
    everyone everything everywhere hence herein hereby indeed instead later lately meanwhile moreover
    nevertheless nobody none nothing nowhere otherwise perhaps somehow someone something sometime
    sometimes somewhere therefore thereby unless whereby wherever whither yes
    """.split()
)

STOPWORDS: dict[str, frozenset[str]] = {"en": ENGLISH}


def stopwords_for(lang: str) -> frozenset[str]:
    """Stop-words of a language (empty when none are bundled)."""
    return STOPWORDS.get(lang, frozenset())
