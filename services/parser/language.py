"""The language of a story, from its own text (py3langid: 97 languages, Azerbaijani, Uzbek, Kazakh,
Kyrgyz, Georgian and Armenian among them); a page's or feed's declared language only breaks a tie,
because regional sites often keep lang="en" on their Russian and Azerbaijani pages."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

SAMPLE_CHARS = 1200  # more text hardly changes the verdict and costs time (linear)
MIN_CHARS = 40  # below this a verdict is a guess
MIN_CONFIDENCE = 0.6


@cache
def _identifier() -> LanguageIdentifier:
    """The model loads once per process (about 40 ms)."""
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text's language; the declared one when the text is too short to tell."""
    declared = _primary(declared)
    sample = text[:SAMPLE_CHARS]
    if len(sample.strip()) < MIN_CHARS:
        return declared
    code, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return declared or code
    return str(code)


def _primary(tag: str | None) -> str | None:
    """'en-US' → 'en'; junk → None (BCP 47 primary subtag)."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None
