"""The label taxonomy as data (services/parser/data/taxonomy.toml, or a user's copy): loaded, checked and
indexed by first word, so matching a story costs one dictionary look-up per word, however long the lists."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

WORD = re.compile(r"\w+")


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the file and the entry at fault."""


@dataclass(frozen=True)
class Term:
    """One phrase of one label: its words (the last may be a stem), weight, and whether it counts against."""

    label: str
    text: str
    words: tuple[str, ...]
    stems: tuple[bool, ...]  # per word: does it match as a prefix ("вооружённ* сил*")?
    weight: float
    negative: bool
    case_sensitive: bool
    languages: frozenset[str] | None


@dataclass
class Taxonomy:
    """Labels with thresholds, and every term indexed by its first word."""

    labels: dict[str, float]  # name → default threshold, in file order
    descriptions: dict[str, str]
    scale: float
    title_bonus: float
    weak_cap: float
    source: str
    by_first: dict[str, list[Term]] = field(default_factory=dict)  # lower-cased first word
    by_first_cs: dict[str, list[Term]] = field(default_factory=dict)  # case-sensitive first word
    single_stems: dict[str, list[Term]] = field(default_factory=dict)  # first word a stem: prefix → terms
    stem_lengths: tuple[int, ...] = ()
    _first_cache: dict[str, tuple[Term, ...]] = field(default_factory=dict, repr=False)

    def starting_with(self, word: str) -> tuple[Term, ...]:
        """Terms that can start at this (lower-cased) word, longest first; cached per distinct word."""
        hit = self._first_cache.get(word)
        if hit is None:
            found = list(self.by_first.get(word, ()))
            for length in self.stem_lengths:
                if length <= len(word):
                    found.extend(self.single_stems.get(word[:length], ()))
            hit = tuple(sorted(found, key=lambda t: -len(t.words)))
            if len(self._first_cache) > 500_000:  # a bound for a process that reads forever
                self._first_cache.clear()
            self._first_cache[word] = hit
        return hit


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and index a taxonomy file; the packaged one when no path is given."""
    resource = files("services.parser") / "data" / "taxonomy.toml"
    source = str(path) if path else "services/parser/data/taxonomy.toml"
    try:
        raw = tomllib.loads(path.read_text("utf-8") if path else resource.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"taxonomy {source}: {exc}") from exc
    taxonomy = Taxonomy(
        labels={}, descriptions={}, scale=float(raw.get("scale", 6.0)),
        title_bonus=float(raw.get("title_bonus", 1.0)), weak_cap=float(raw.get("weak_cap", 1e9)),
        source=source,
    )  # fmt: skip
    for label in raw.get("label", []):
        name = label.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z_]*", name):
            raise TaxonomyError(f"taxonomy {source}: a [[label]] needs a lower-case name, got {name!r}")
        taxonomy.labels[name] = float(label.get("threshold", 0.6))
        taxonomy.descriptions[name] = " ".join(str(label.get("description", "")).split())
        for group in label.get("group", []):
            _add_group(taxonomy, name, group, negative=False)
        for group in label.get("negative", []):
            _add_group(taxonomy, name, group, negative=True)
    if not taxonomy.labels:
        raise TaxonomyError(f"taxonomy {source}: no [[label]] tables")
    taxonomy.stem_lengths = tuple(sorted({len(k) for k in taxonomy.single_stems}, reverse=True))
    return taxonomy


def _add_group(taxonomy: Taxonomy, label: str, group: dict, negative: bool) -> None:  # type: ignore[type-arg]
    weight = group.get("weight")
    if not isinstance(weight, int | float) or weight <= 0:
        raise TaxonomyError(f"taxonomy {taxonomy.source}: label {label!r}: a group needs a positive weight")
    case_sensitive = bool(group.get("case_sensitive", False))
    languages = frozenset(group["languages"]) if group.get("languages") else None
    for text in group.get("terms", []):
        words = tuple(WORD.findall(text if case_sensitive else text.lower()))
        stems = tuple(bool(re.search(rf"{re.escape(w)}\*(?!\w)", text, re.IGNORECASE)) for w in words)
        if not words or text.count("*") != sum(stems) or (case_sensitive and any(stems)):
            raise TaxonomyError(
                f"taxonomy {taxonomy.source}: label {label!r}: bad term {text!r} "
                "(a * may only end a word, and not in a case-sensitive group)"
            )
        term = Term(label, text, words, stems, float(weight), negative, case_sensitive, languages)
        if case_sensitive:
            taxonomy.by_first_cs.setdefault(words[0], []).append(term)
        elif stems[0]:
            taxonomy.single_stems.setdefault(words[0], []).append(term)
        else:
            taxonomy.by_first.setdefault(words[0], []).append(term)
    for index in (taxonomy.by_first, taxonomy.by_first_cs):
        for terms in index.values():
            terms.sort(key=lambda t: -len(t.words))


@cache
def default_taxonomy(path: str | None = None) -> Taxonomy:
    """The taxonomy a process uses, loaded once (NEWSWIRE_TAXONOMY_FILE, else the packaged file)."""
    return load_taxonomy(Path(path) if path else None)
