"""Score main-text extractors against the hand-checked article set in this folder.

    python -m bench.extraction.score [--only NAME[,NAME...]] [--json]

Each page in ``pages/<id>.html`` has its expected main text in ``truth/<id>.json``. Every extractor is run
over every page (the files are read first; only the extract calls are timed) and its text is compared
with the expected text as a bag of words. See README.md for the metric and PROVENANCE.md for the pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Extractor = Callable[[str, str | None], str]

# Tokens as in scrapinghub/article-extraction-benchmark, evaluate.py (_TOKEN_RE = re.compile(r'\w+',
# re.UNICODE ...) and _tokenize), https://github.com/scrapinghub/article-extraction-benchmark. That
# script matches 4-token shingles; we match single lower-cased tokens (a bag of words, multiset overlap)
# and keep its precision_score / recall_score conventions for the empty cases.
TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def bag(text: str) -> Counter[str]:
    return Counter(token.lower() for token in TOKEN_RE.findall(text or ""))


def score(expected: str, got: str) -> dict[str, float]:
    truth, pred = bag(expected), bag(got)
    tp = sum((truth & pred).values())
    fp = sum(pred.values()) - tp
    fn = sum(truth.values()) - tp
    if fp == fn == 0:
        precision = recall = 1.0
    else:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "empty": float(not pred)}


@dataclass(frozen=True)
class Page:
    id: str
    url: str | None
    group: str
    html: str
    expected: str


def group_of(truth: dict[str, Any]) -> str:
    if truth.get("group"):
        return str(truth["group"])
    return str(truth["source"]["repo"]).split("/")[-1]


def load_pages() -> list[Page]:
    pages = []
    for path in sorted((HERE / "truth").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        html = (HERE / "pages" / f"{truth['id']}.html").read_text(encoding="utf-8")
        pages.append(Page(truth["id"], truth.get("url"), group_of(truth), html, truth["text"]))
    return pages


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element (for readability's summary())."""
    import lxml.html

    if not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    for element in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "blockquote"):
        element.tail = "\n" + (element.tail or "")
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


def trafilatura_extractor(**options: bool) -> Extractor:
    import trafilatura

    def run(html: str, url: str | None) -> str:
        return trafilatura.extract(html, url=url, **options) or ""

    return run


def readability_extractor() -> Extractor:
    from readability import Document

    def run(html: str, url: str | None) -> str:
        return html_to_text(Document(html, url=url).summary(html_partial=True))

    return run


def newswire_extractor() -> Extractor:
    from services.parser.extract import extract  # being written alongside this benchmark

    def run(html: str, url: str | None) -> str:
        return extract(html, url=url).text or ""

    return run


EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "trafilatura": lambda: trafilatura_extractor(),
    "trafilatura-precision": lambda: trafilatura_extractor(favor_precision=True),
    "trafilatura-recall": lambda: trafilatura_extractor(favor_recall=True),
    "readability": readability_extractor,
    "newswire": newswire_extractor,
}


def run_extractor(run: Extractor, pages: list[Page]) -> tuple[dict[str, dict[str, Any]], float]:
    results: dict[str, dict[str, Any]] = {}
    elapsed = 0.0
    with warnings.catch_warnings():  # library warnings (e.g. dateutil's) would break up the table
        warnings.simplefilter("ignore")
        if pages:  # warm-up call, untimed: first-use imports and caches are not the extractor's speed
            with contextlib.suppress(Exception):  # a failing extractor is scored below, page by page
                run(pages[0].html, pages[0].url)
        for page in pages:
            error = None
            start = time.perf_counter()
            try:
                text = run(page.html, page.url)
            except Exception as exc:  # an extractor crash counts as empty output for that page
                text, error = "", f"{type(exc).__name__}: {exc}"
            elapsed += time.perf_counter() - start
            results[page.id] = {"group": page.group, **score(page.expected, text), "error": error}
    return results, elapsed


def summary_row(name: str, rows: list[dict[str, Any]], seconds: float | None) -> str:
    f1s = [row["f1"] for row in rows]
    mean = {key: statistics.fmean(row[key] for row in rows) for key in ("precision", "recall", "f1")}
    empty = sum(int(row["empty"]) for row in rows)
    speed = f"{len(rows) / seconds:9.1f}" if seconds else f"{'-':>9}"
    return (
        f"{name:<22} {mean['precision']:9.3f} {mean['recall']:9.3f} {mean['f1']:9.3f} "
        f"{statistics.median(f1s):9.3f} {empty:6d} {speed}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated extractor names: " + ", ".join(EXTRACTORS))
    parser.add_argument("--json", action="store_true", help="write the per-page scores to stdout as JSON")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",")] if args.only else list(EXTRACTORS)
    unknown = [name for name in names if name not in EXTRACTORS]
    if unknown:
        parser.error(f"unknown extractor(s): {', '.join(unknown)}")
    out = sys.stderr if args.json else sys.stdout
    pages = load_pages()
    groups = sorted({page.group for page in pages})
    counts = ", ".join(f"{g} {sum(p.group == g for p in pages)}" for g in groups)
    print(f"{len(pages)} pages ({counts})\n", file=out)
    header = f"{'extractor':<22} {'precision':>9} {'recall':>9} {'mean F1':>9} {'median F1':>9} {'empty':>6}"
    print(header + f" {'pages/s':>9}", file=out)
    raw: dict[str, dict[str, dict[str, Any]]] = {}
    for name in names:
        try:
            run = EXTRACTORS[name]()
        except ImportError as exc:
            print(f"{name:<22} skipped: cannot import it ({exc})", file=out)
            continue
        results, seconds = run_extractor(run, pages)
        raw[name] = results
        print(summary_row(name, list(results.values()), seconds), file=out)
        for page_id, row in results.items():
            if row["error"]:
                print(f"    {page_id}: {row['error']}", file=out)
    print(f"\nmean F1 by source group\n{'extractor':<22}" + "".join(f" {g:>12}" for g in groups), file=out)
    for name, results in raw.items():
        cells = []
        for group in groups:
            f1s = [row["f1"] for row in results.values() if row["group"] == group]
            cells.append(f" {statistics.fmean(f1s):12.3f}" if f1s else f" {'-':>12}")
        print(f"{name:<22}" + "".join(cells), file=out)
    if args.json:
        json.dump(raw, sys.stdout, indent=1, sort_keys=True)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
