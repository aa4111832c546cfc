"""Defense / diplomacy labels with a score in [0, 1] and the evidence behind each: the terms that matched and
the sentences that carried most weight. The terms, weights, negative cues and thresholds are data
(services/parser/data/taxonomy.toml); this module only matches and adds up."""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.parser.taxonomy import WORD, Taxonomy, Term, default_taxonomy

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”»)]*\s+|\n+")
MAX_SENTENCES = 3  # evidence sentences per label
MAX_SENTENCE_CHARS = 400
REPEAT_FACTOR = 0.5  # each repeat of a term adds half its weight …
MAX_REPEATS = 2  # … at most twice: the fifth "military" says little more than the third
WEAK_WEIGHT = 1.0  # terms this light are "weak": their total is capped (taxonomy weak_cap)


@dataclass(frozen=True)
class Classification:
    """Labels that fired, a score per label, and per label the terms and sentences behind it."""

    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class _Tally:
    counts: dict[Term, int] = field(default_factory=dict)
    in_title: set[Term] = field(default_factory=set)
    sentence_weight: dict[int, float] = field(default_factory=dict)


def classify(
    title: str,
    text: str,
    language: str | None = "en",
    taxonomy: Taxonomy | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Classification:
    """Score a story against every label of the taxonomy; a label fires at its threshold."""
    taxonomy = taxonomy or default_taxonomy()
    tallies = {label: _Tally() for label in taxonomy.labels}
    for term, _start, _end in _matches(title, taxonomy, language):
        tally = tallies[term.label]
        tally.counts[term] = tally.counts.get(term, 0) + 1
        tally.in_title.add(term)
    sentences = _sentence_starts(text)
    for term, start, _end in _matches(text, taxonomy, language):
        tally = tallies[term.label]
        tally.counts[term] = tally.counts.get(term, 0) + 1
        if not term.negative:
            index = bisect_right(sentences, start) - 1
            tally.sentence_weight[index] = tally.sentence_weight.get(index, 0.0) + term.weight
    scores: dict[str, float] = {}
    evidence: dict[str, dict[str, list[str]]] = {}
    for label, tally in tallies.items():
        scores[label] = _score(tally, taxonomy)
        evidence[label] = {"terms": _terms(tally), "sentences": _sentences(text, sentences, tally)}
    limits = {**taxonomy.labels, **(thresholds or {})}
    labels = [label for label in taxonomy.labels if scores[label] >= limits[label]]
    return Classification(labels=labels, scores=scores, evidence=evidence)


def _matches(text: str, taxonomy: Taxonomy, language: str | None) -> list[tuple[Term, int, int]]:
    """Every (term, start, end) in the text; per label, the longest term at a word wins and the words it
    covers are not matched again by a shorter term of that label."""
    spans = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    lowered = [word.lower() for word, _s, _e in spans]
    covered: dict[str, int] = {}
    found: list[tuple[Term, int, int]] = []
    for i, (word, start, _end) in enumerate(spans):
        candidates = taxonomy.starting_with(lowered[i])
        exact = taxonomy.by_first_cs.get(word)
        if exact:
            candidates = tuple(sorted((*candidates, *exact), key=lambda t: -len(t.words)))
        if not candidates:
            continue
        taken: set[str] = set()
        for term in candidates:
            if term.label in taken or covered.get(term.label, 0) > i:
                continue
            if term.languages is not None and language not in term.languages:
                continue
            if _fits(term, spans if term.case_sensitive else lowered, i):
                taken.add(term.label)
                covered[term.label] = i + len(term.words)
                found.append((term, start, spans[i + len(term.words) - 1][2]))
    return found


def _fits(term: Term, words: list, i: int) -> bool:  # type: ignore[type-arg]
    """Do the words from i on spell the term (the last word as a prefix when the term is a stem)?"""
    n = len(term.words)
    if i + n > len(words):
        return False
    for k, expected in enumerate(term.words):
        actual = words[i + k]
        actual = actual[0] if isinstance(actual, tuple) else actual
        if term.stems[k]:
            if not actual.startswith(expected):
                return False
        elif actual != expected:
            return False
    return True


def _score(tally: _Tally, taxonomy: Taxonomy) -> float:
    """1 - exp(-raw/scale); the weak terms' share is capped so a long story cannot talk itself into a
    label with everyday words ("cooperation", "meeting") alone."""
    raw = weak = 0.0
    for term, count in tally.counts.items():
        value = term.weight * (1 + REPEAT_FACTOR * min(count - 1, MAX_REPEATS))
        if term in tally.in_title:
            value += term.weight * taxonomy.title_bonus
        if term.negative:
            raw -= value
        elif term.weight <= WEAK_WEIGHT:
            weak += value
        else:
            raw += value
    raw += min(weak, taxonomy.weak_cap)
    return round(1 - math.exp(-raw / taxonomy.scale), 3) if raw > 0 else 0.0


def _terms(tally: _Tally) -> list[str]:
    """Positive terms, strongest first, as "term ×count"; negative cues last, marked with a minus."""
    ranked = sorted(tally.counts.items(), key=lambda item: (item[0].negative, -item[0].weight, -item[1]))
    return [
        f"{'-' if term.negative else ''}{term.text}{f' ×{count}' if count > 1 else ''}"
        for term, count in ranked
    ]


def _sentence_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in SENTENCE_END.finditer(text)]


def _sentences(text: str, starts: list[int], tally: _Tally) -> list[str]:
    """The sentences that carried most of the label's weight, in reading order."""
    best = sorted(tally.sentence_weight.items(), key=lambda item: (-item[1], item[0]))[:MAX_SENTENCES]
    out = []
    for index, _weight in sorted(best):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        out.append(text[starts[index] : end].strip()[:MAX_SENTENCE_CHARS])
    return out
