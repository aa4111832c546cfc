"""Classifier quality and speed on the development set (bench/data/classify/dev.jsonl): per-label precision,
recall and F1, micro-F1, the false-label rate on hard negatives, the misses, and stories/second on one core.

    python -m bench.classify [--set FILE] [--show-errors] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from collections import Counter
from pathlib import Path

from services.parser.classify import classify
from services.parser.facts import find_facts
from services.parser.language import detect_language
from services.parser.taxonomy import default_taxonomy

DEV_SET = Path(__file__).parent / "data" / "classify" / "dev.jsonl"


def main() -> None:
    """Score the set, print the table, then time classification alone (and with facts)."""
    args = _arguments()
    stories = [json.loads(line) for line in args.set.read_text("utf-8").splitlines() if line.strip()]
    if args.split != "all":  # a fixed third held out from tuning, chosen by a hash of the id
        stories = [s for s in stories if _held_out(s["id"]) == (args.split == "holdout")]
    labels = list(default_taxonomy().labels)
    tally: Counter[str] = Counter()
    hard_total = hard_wrong = 0
    errors = []
    for story in stories:
        language = story.get("language") or detect_language(story["text"]) or "en"
        got = set(classify(story["title"], story["text"], language).labels)
        want = set(story["labels"])
        for label in labels:
            outcome = {(True, True): "tp", (True, False): "fn", (False, True): "fp", (False, False): "tn"}
            tally[f"{label}:{outcome[(label in want, label in got)]}"] += 1
        if story.get("hard_negative"):
            hard_total += 1
            hard_wrong += bool(got)
        if got != want:
            errors.append((story["id"], sorted(want), sorted(got), story["title"][:90]))
    print(f"set: {args.set} ({len(stories)} stories)")
    print(f"{'label':<12}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    totals: Counter[str] = Counter()
    for label in labels:
        tp, fp, fn = (tally[f"{label}:{k}"] for k in ("tp", "fp", "fn"))
        totals.update(tp=tp, fp=fp, fn=fn)
        _row(label, tp, fp, fn)
    _row("micro", totals["tp"], totals["fp"], totals["fn"])
    print(f"hard negatives given a label: {hard_wrong}/{hard_total} ({_ratio(hard_wrong, hard_total):.1%})")
    print(f"stories with any label wrong: {len(errors)}")
    if args.show_errors:
        for ident, want, got, title in errors:
            print(f"  {ident}: want {want} got {got}  {title}")
    if args.sweep:
        _sweep(stories)
    _speed(stories, args.repeat)


def _held_out(ident: object) -> bool:
    return zlib.crc32(str(ident).encode()) % 3 == 0


def _sweep(stories: list[dict]) -> None:  # type: ignore[type-arg]
    """Per label, F1 at each threshold: where the taxonomy's thresholds should sit on this split."""
    scored = []
    for story in stories:
        language = story.get("language") or detect_language(story["text"]) or "en"
        scored.append((classify(story["title"], story["text"], language).scores, set(story["labels"])))
    for label in default_taxonomy().labels:
        cells = []
        for step in range(30, 96, 5):
            limit = step / 100
            tp = sum(1 for s, want in scored if s[label] >= limit and label in want)
            fp = sum(1 for s, want in scored if s[label] >= limit and label not in want)
            fn = sum(1 for s, want in scored if s[label] < limit and label in want)
            cells.append(f"{limit:.2f}:{_f1(tp, fp, fn):.3f}")
        print(f"sweep {label}: " + " ".join(cells))


def _speed(stories: list[dict], repeat: int) -> None:  # type: ignore[type-arg]
    """Stories per second on this core: classification alone (the issue's figure), then with facts."""
    inputs = [(s["title"], s["text"], s.get("language") or "en") for s in stories] * repeat
    start = time.perf_counter()
    for title, text, language in inputs:
        classify(title, text, language)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    for title, text, language in inputs:
        verdict = classify(title, text, language)
        find_facts(title, text, language, verdict.labels)
    with_facts = time.perf_counter() - start
    chars = sum(len(t) + len(x) for t, x, _l in inputs) / len(inputs)
    print(f"speed (one core, {len(inputs)} stories, mean {chars:.0f} chars): classification alone "
          f"{len(inputs) / alone:,.0f} stories/s; with countries, people, organisations and events "
          f"{len(inputs) / with_facts:,.0f} stories/s")  # fmt: skip


def _row(name: str, tp: int, fp: int, fn: int) -> None:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    print(f"{name:<12}{tp + fn:>8}{precision:>11.3f}{recall:>8.3f}{_f1(tp, fp, fn):>7.3f}")


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=DEV_SET, help="JSON lines with id, title, text, labels")
    parser.add_argument("--show-errors", action="store_true", help="List every story labelled wrong")
    parser.add_argument("--repeat", type=int, default=5, help="Passes over the set for the speed figure")
    parser.add_argument(
        "--split",
        choices=["all", "tune", "holdout"],
        default="all",
        help="The two thirds used for tuning, the third held out, or all",
    )
    parser.add_argument("--sweep", action="store_true", help="F1 per label at thresholds 0.30 … 0.95")
    return parser.parse_args()


if __name__ == "__main__":
    main()
