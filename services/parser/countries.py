"""Which countries a story is about: a gazetteer (data/countries.toml) matched by one compiled regex per
language, so the parser can name a bilateral story's two countries at hundreds of stories a second."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

STEM_LANGUAGES = ("ru", "az")  # inflected: their lists hold stems, matched as the start of a word
_END, _WORD_END = "", "$$"  # trie marks: a form may end here / a whole-word-only stem ends here
_Trie = dict[str, "_Trie"]


@dataclass(frozen=True)
class CountryMention:
    """One country a story names: how often, whether in the title, where first in the text, and as what."""

    code: str  # ISO 3166-1 alpha-2
    name: str  # English short name
    count: int  # mentions in title + text
    in_title: bool
    first_offset: int  # offset of the first mention in the text; -1 when only the title names it
    terms: tuple[str, ...]  # distinct surface forms matched, sorted


def fold(word: str) -> str:
    """Lower-case a stem the way re.IGNORECASE compares it: Turkic i/ı/İ/I are all one letter there."""
    return word.lower().replace("i̇", "i").replace("ı", "i")


def _plurals(demonym: str) -> list[str]:
    """English demonyms take -s ("Uzbek" → "Uzbeks"), except the ones that cannot ("Chinese", "Swiss")."""
    if demonym.endswith(("s", "sh", "ch", "ese", "x", "z")):
        return [demonym]
    return [demonym, demonym + "s"]


def _apostrophes(form: str) -> list[str]:
    """News copy writes both ' and ’: "Côte d'Ivoire" is also "Côte d’Ivoire"."""
    return [form, form.replace("'", "’")] if "'" in form else [form]


def load_data() -> dict[str, Any]:
    """The gazetteer as parsed TOML, read from the installed package (not the working directory)."""
    resource = files("services.parser") / "data" / "countries.toml"
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def surface_forms(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every (language, form, code) in the gazetteer, so the matcher and the tests check the same list."""
    # "en" forms are exact; "ru"/"az" ones are folded stems ("$" = whole word only); code "" = ignored.
    entries = [(code, entry) for code, entry in data["countries"].items()]
    entries += [(entry["code"], entry) for entry in data.get("regions", {}).values()]
    out: list[tuple[str, str, str]] = []
    for code, entry in entries:
        english = [*([entry["name"]] if "name" in entry else []), *entry.get("names", [])]
        english += [*entry.get("capitals", []), *(p for d in entry.get("demonyms", []) for p in _plurals(d))]
        out += [("en", variant, code) for form in english for variant in _apostrophes(form)]
        out += [(lang, fold(stem), code) for lang in STEM_LANGUAGES for stem in entry.get(lang, [])]
    phrases = data.get("ignore", {}).get("phrases", [])
    out += [("en", variant, "") for phrase in phrases for variant in _apostrophes(phrase)]
    return out


def _trie_regex(forms: Iterable[str], *, stems: bool) -> str:
    """A trie-shaped alternation: the engine branches per character instead of trying ~2,000 alternatives."""
    # Within a node the children come before "stop here", so a longer form always beats one it extends.
    root: _Trie = {}
    for form in forms:
        whole_word = stems and form.endswith("$")
        node = root
        for char in form.removesuffix("$") if whole_word else form:
            node = node.setdefault(char, {})
        node[_WORD_END if whole_word else _END] = {}
    return _node_regex(root)


def _node_regex(node: _Trie) -> str:
    """The regex for one trie node: its children first, then where it may stop (longest match wins)."""
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _node_regex(child)
        for char, child in sorted(node.items())
        if len(char) == 1
    ]
    if _WORD_END in node:
        branches.append(r"(?!\w)")
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if _END in node else body


def _compile(
    data: dict[str, Any],
) -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, re.Pattern[str]]]:
    """Lookup tables and one regex per language, built once at import: matching is then a single pass."""
    forms = surface_forms(data)
    english = {form: code for lang, form, code in forms if lang == "en"}
    # An English form ends at a word boundary unless it ends in punctuation ("U.S.", "US$").
    en = rf"(?P<en>{_trie_regex(english, stems=False)})(?:(?<!\w)|(?!\w))"
    stems: dict[str, dict[str, str]] = {}
    patterns = {"en": re.compile(rf"\b{en}")}
    for lang in STEM_LANGUAGES:
        raw = {form: code for form_lang, form, code in forms if form_lang == lang}
        stems[lang] = {form.removesuffix("$"): code for form, code in raw.items()}
        patterns[lang] = re.compile(rf"\b(?:{en}|(?i:(?P<st>{_trie_regex(raw, stems=True)}))\w*)")
    return english, stems, patterns


_DATA = load_data()
NAMES: dict[str, str] = {code: entry["name"] for code, entry in _DATA["countries"].items()}
_ENGLISH, _STEMS, _PATTERNS = _compile(_DATA)


def _resolve(match: re.Match[str], stems: dict[str, str]) -> tuple[str, str]:
    """(code, surface form) of one match; code "" for an ignored phrase. Whitespace inside is normalised."""
    surface = match.group("en")
    if surface is not None:
        code = _ENGLISH.get(surface)
        if code is None:
            surface = " ".join(surface.split())
            code = _ENGLISH[surface]
        return code, surface
    return stems[fold(" ".join(match.group("st").split()))], match.group(0)


def _relevance(mention: CountryMention) -> tuple[bool, int, int, str]:
    """Title first, then most mentioned, then earliest in the text (title-only last among equals)."""
    offset = mention.first_offset if mention.first_offset >= 0 else sys.maxsize
    return (not mention.in_title, -mention.count, offset, mention.code)


def find_countries(title: str, text: str, language: str = "en") -> list[CountryMention]:
    """Countries a story names, most relevant first, so callers can take the top ones as its subject."""
    # English forms always count; "ru"/"az" add the stems of the region's 15; other languages get English.
    lang = language.split("-")[0].lower()
    pattern = _PATTERNS.get(lang, _PATTERNS["en"])
    stems = _STEMS.get(lang, {})
    found: dict[str, list[Any]] = {}  # code -> [title count, text count, first text offset, terms]
    for part, source in ((0, title), (1, text)):
        for match in pattern.finditer(source):
            code, surface = _resolve(match, stems)
            if not code:
                continue
            record = found.get(code)
            if record is None:
                record = found[code] = [0, 0, -1, set()]
            record[part] += 1
            if part and record[2] < 0:
                record[2] = match.start()
            record[3].add(surface)
    mentions = [
        CountryMention(code, NAMES[code], t + x, t > 0, first, tuple(sorted(terms)))
        for code, (t, x, first, terms) in found.items()
    ]
    return sorted(mentions, key=_relevance)


def main_pair(mentions: list[CountryMention]) -> tuple[str, str] | None:
    """The two countries of a bilateral story, most relevant first; None if the second is only in passing."""
    if len(mentions) < 2:
        return None
    first, second = sorted(mentions, key=_relevance)[:2]
    return (first.code, second.code) if second.count >= 2 or second.in_title else None
