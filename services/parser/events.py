"""What happened in a labelled story, in a small event taxonomy modelled on CAMEO (the Conflict and Mediation
Event Observations codebook used by GDELT and ICEWS), with the actor countries and the date when the
text gives one. Sentence-level cues; the lead sentence of a news story carries its main event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.parser.countries import find_countries

# type → (CAMEO root code(s) it follows, cue that must match, optional second cue that must also match)
EVENT_TYPES: dict[str, tuple[str, str, str | None]] = {
    "agreement_signed": (
        "057",
        r"\b(?:sign(?:ed|s|ing)?|ink(?:ed|s)?|conclud(?:ed|es)|ratif(?:ied|ies|y))\b",
        r"\b(?:agreements?|plans?|memorand(?:um|a)|treat(?:y|ies)|protocols?|declarations?|road ?maps?|"
        r"contracts?|accords?|deals?|programmes?|programs?|conventions?)\b",
    ),
    "arms_transfer": (
        "062/0331",
        r"\b(?:purchas\w*|procur\w*|acquir\w*|buy\w*|bought|sell\w*|sold|sales?|deliver\w*|suppl(?:y|ied|ies)|"
        r"exports?|exported|imports?|imported|transfer\w*)\b",
        r"\b(?:weapons?|arms|missiles?|drones?|UAVs?|aircraft|helicopters?|tanks?|artillery|air defen[cs]e|"
        r"howitzers?|ammunition|Bayraktar\w*|frigates?|warships?|fighter jets?|military equipment|"
        r"armou?red vehicles?|rocket launchers?)\b",
    ),
    "military_exercise": (
        "150/152",
        r"\b(?:exercises?|drills?|manoeuvres|maneuvers|war games)\b",
        r"\b(?:military|joint|tactical|naval|army|troops|command|armed forces|air force|units?|live-fire)\b",
    ),
    "armed_incident": (
        "190/196",
        r"\b(?:ceasefire violations?|violated the ceasefire|shell(?:ed|ing)|opened fire|fired (?:at|on|upon)|"
        r"clash(?:ed|es)?|killed|wounded|attack(?:ed|s)?|skirmish\w*|sniper|drone strikes?|air ?strikes?|"
        r"provocations?)\b",
        None,
    ),
    "sanctions": ("163", r"\b(?:sanctions?|sanctioned|embargo)\b", None),
    "meeting_visit": (
        "036/040/042/043",
        r"\b(?:met|meets|meeting|talks|visit(?:ed|s|ing)?|received|hosted|consultations|summit|"
        r"(?:tele)?phone (?:call|conversation))\b",
        None,
    ),
    "statement_protest": (
        "010/111/112",
        r"\b(?:protest(?:ed|s)?|condemn\w*|summoned|denounc\w*|expressed (?:concern|regret)|urged|called on|"
        r"statement)\b",
        None,
    ),
}  # fmt: skip
COMPILED = {
    kind: (re.compile(cue, re.IGNORECASE), re.compile(extra, re.IGNORECASE) if extra else None)
    for kind, (_cameo, cue, extra) in EVENT_TYPES.items()
}
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
]  # fmt: skip
_MONTHS = "|".join(m.capitalize() for m in MONTHS)
DAY_MONTH = re.compile(
    rf"\b(?:(?P<day1>[0-3]?\d)\s+(?P<month1>{_MONTHS})|(?P<month2>{_MONTHS})\s+(?P<day2>[0-3]?\d)\b)"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
PAIR_WORDS = re.compile(
    r"\b(?:the two countries|both countries|the parties|both sides|the two sides|bilateral)\b", re.I
)
MAX_EVENTS = 3


@dataclass(frozen=True)
class Event:
    """One event: its type, CAMEO code(s), actor countries, date (ISO) and the sentence it was read from."""

    type: str
    cameo: str
    actors: tuple[str, ...]
    date: str | None
    sentence: str

    def as_json(self) -> dict[str, object]:
        return {"type": self.type, "cameo": self.cameo, "actors": list(self.actors), "date": self.date,
                "sentence": self.sentence}  # fmt: skip


def find_events(
    text: str, main_pair: tuple[str, str] | None, year_hint: int | None = None, language: str | None = "en"
) -> list[Event]:
    """Up to three events, in reading order; background sentences about earlier years are skipped."""
    years = [int(y) for y in YEAR.findall(text)]
    newest = year_hint or (max(years) if years else None)
    events: list[Event] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for match in SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        kind = _kind(sentence)
        if kind is None or _is_background(sentence, newest):
            continue
        actors = _actors(sentence, main_pair, language)
        if not actors or (kind, actors) in seen:
            continue
        seen.add((kind, actors))
        events.append(Event(kind, EVENT_TYPES[kind][0], actors, _date(sentence, year_hint), sentence[:400]))
        if len(events) == MAX_EVENTS:
            break
    return events


def _kind(sentence: str) -> str | None:
    """The most specific event type whose cues the sentence carries (the dict's order is the priority)."""
    for kind, (cue, extra) in COMPILED.items():
        if cue.search(sentence) and (extra is None or extra.search(sentence)):
            return kind
    return None


def _is_background(sentence: str, newest: int | None) -> bool:
    """'Diplomatic relations were established in 1995': history, not this story's event."""
    years = [int(y) for y in YEAR.findall(sentence)]
    return bool(newest and years and max(years) < newest - 1)


def _actors(sentence: str, main_pair: tuple[str, str] | None, language: str | None) -> tuple[str, ...]:
    codes = [
        m.code for m in sorted(find_countries("", sentence, language or "en"), key=lambda m: m.first_offset)
    ]
    if main_pair and (PAIR_WORDS.search(sentence) or (codes and codes[0] in main_pair)) and len(codes) < 2:
        codes = list(dict.fromkeys([*codes, *main_pair]))
    return tuple(codes[:4])


def _date(sentence: str, year: int | None) -> str | None:
    """'on October 29' / '29 October 2019' → ISO date; the year from the sentence, else the story's own
    year (its publication date), else no date: a year guessed from elsewhere in the text is often a plan's."""
    match = DAY_MONTH.search(sentence)
    if not match:
        return None
    year_found = int(match["year"]) if match["year"] else year
    if year_found is None:
        return None
    try:
        day = int(match["day1"] or match["day2"])
        month = MONTHS.index((match["month1"] or match["month2"]).lower()) + 1
        return date(year_found, month, day).isoformat()
    except ValueError:
        return None
