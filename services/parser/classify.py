"""A first defense/diplomacy classifier: weighted term lexicons, a score per label, and the evidence."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# (weight, pattern). A span a stronger phrase matched is not counted again by a weaker one
# ("defense ministry" does not also count as "defense").
LEXICON: dict[str, list[tuple[float, str]]] = {
    "defense": [
        (3, r"defen[cs]e minist(?:ry|ries|er|ers)"),
        (3, r"minist(?:ry|ries|er|ers) of defen[cs]e"),
        (3, r"armed forces"),
        (3, r"military[- ]technical"),
        (3, r"(?:military|defen[cs]e|security) cooperation"),
        (3, r"(?:joint |military |naval )+(?:exercises?|drills?|manoeuvres|maneuvers)"),
        (3, r"ceasefire|cease-fire|peacekeep\w*"),
        (3, r"\bCSTO\b|\bNATO\b"),
        (2, r"military|army|troops|soldiers?|servicem[ae]n"),
        (2, r"weapons?|weaponry|missiles?|artillery|ammunition|drones?|warships?|fighter jets?"),
        (2, r"arms (?:deals?|sales?|supplies|purchases?|exports?|imports?|control)"),
        (2, r"air force|navy|naval|border guards?|general staff"),
        (2, r"(?:colonel|major|lieutenant|brigadier) general|defen[cs]e chiefs?"),
        (2, r"defen[cs]e (?:industry|budget|sector|area|forces|spending|procurement)"),
        (1, r"defen[cs]e|security|combat|warfare|shelling|frontline|front line"),
    ],
    "diplomacy": [
        (3, r"foreign minist(?:ry|ries|er|ers)|minist(?:ry|er) of foreign affairs"),
        (3, r"diplomatic relations|diplomatic ties|embass(?:y|ies)|ambassadors?|consulates?|envoys?"),
        (3, r"bilateral (?:relations|cooperation|agreements?|ties|talks|meeting)"),
        (3, r"strategic partnership|memorandum of understanding|intergovernmental commission"),
        (3, r"(?:peace|trade|border) (?:treaty|agreement|talks|negotiations)"),
        (3, r"summit|state visit|official visit|working visit"),
        (2, r"diplomat\w*|bilateral|multilateral|treaty|treaties|declaration|communiqu[eé]"),
        (2, r"agreements?|negotiations?|talks|delegations?|foreign policy|sanctions"),
        (2, r"(?:signed|sign|signing) (?:a|an|the)\b|exchanged views|met with|counterparts?"),
        (2, r"\bUN\b|United Nations|\bOSCE\b|\bCIS\b|European Union|\bEU\b"),
        (1, r"cooperation|partnership|relations|visit|meeting"),
    ],
}
THRESHOLD = 0.6  # a label needs roughly two strong phrases, or one plus supporting terms
SCALE = 6.0  # raw evidence at which the score reaches 1 - 1/e
TITLE_BONUS = 1.0  # each term also found in the title counts once more


def _compile(terms: list[tuple[float, str]]) -> tuple[re.Pattern[str], dict[str, float]]:
    """One alternation per label, strongest first: at each position the strongest phrase wins, and
    a single left-to-right pass never counts a span twice."""
    ranked = sorted(enumerate(terms), key=lambda item: -item[1][0])
    alternation = "|".join(f"(?P<t{i}>{pattern})" for i, (_w, pattern) in ranked)
    weights = {f"t{i}": weight for i, (weight, _p) in ranked}
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE), weights


_COMPILED = {label: _compile(terms) for label, terms in LEXICON.items()}


@dataclass(frozen=True)
class Classification:
    """Labels that fired, a 0..1 score per label, and the terms behind each score."""

    labels: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[str]] = field(default_factory=dict)


def classify(title: str, text: str) -> Classification:
    """Score a story for each label; a label fires when its score reaches THRESHOLD."""
    scores, evidence = {}, {}
    for label, compiled in _COMPILED.items():
        raw, terms = _score(compiled, title, text)
        scores[label] = round(1 - math.exp(-raw / SCALE), 3)
        evidence[label] = terms
    labels = [label for label in LEXICON if scores[label] >= THRESHOLD]
    return Classification(labels=labels, scores=scores, evidence=evidence)


def _score(
    compiled: tuple[re.Pattern[str], dict[str, float]], title: str, text: str
) -> tuple[float, list[str]]:
    pattern, weights = compiled
    counts: dict[str, tuple[float, int]] = {}
    title_terms: set[str] = set()
    for source, is_title in ((title, True), (text, False)):
        for match in pattern.finditer(source):
            term = " ".join(match.group(0).lower().split())
            if is_title:
                title_terms.add(term)
            weight, count = counts.get(term, (weights[match.lastgroup or ""], 0))
            counts[term] = (weight, count + 1)
    raw = 0.0
    for term, (weight, count) in counts.items():
        # Repeats add less: the third mention of "military" says little more than the first.
        raw += weight * (1 + 0.5 * min(count - 1, 2)) + (TITLE_BONUS * weight if term in title_terms else 0)
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return raw, [f"{term} ×{count}" if count > 1 else term for term, (_w, count) in ranked]
