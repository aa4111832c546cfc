"""`newswire extract` and `newswire classify` as a user runs them: real processes, files and pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))
SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample-story.txt"  # the handbook's sample story, copied

pytestmark = pytest.mark.e2e


def run(
    *args: str, stdin: str | bytes = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    return subprocess.run(
        [NEWSWIRE, *args], input=stdin if isinstance(stdin, str) else stdin.decode(), capture_output=True,
        text=True, timeout=60, check=False, env={**clean, **(env or {})},
    )  # fmt: skip


def test_extract_a_page_file_prints_the_documented_json() -> None:
    result = run(
        "extract",
        str(FIXTURES / "pages" / "157930.html"),
        "--url",
        "https://www.azernews.az/culture/157930.html",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "title",
        "text",
        "authors",
        "published",
        "updated",
        "canonical_url",
        "image",
        "language",
    ]
    assert data["title"] == "Baku to host international carpet exhibition"
    assert data["authors"] == ["Laman Ismayilova"] and data["language"] == "en"
    assert data["text"].startswith("Baku will host an international carpet exhibition")


def test_extract_reads_stdin() -> None:
    html = (FIXTURES / "pages" / "157950.html").read_text("utf-8")
    data = json.loads(run("extract", "-", stdin=html).stdout)
    assert "Mammadyarov" in data["text"]


def test_extract_refuses_empty_input_clearly() -> None:
    result = run("extract", "-", stdin="")
    assert result.returncode == 1 and "empty input" in result.stderr


def test_classify_json_lines_and_bad_lines_lose_nothing_else() -> None:
    lines = [
        json.dumps(
            {
                "id": "sample",
                "title": "Azerbaijan, Uzbekistan sign military cooperation plan",
                "text": SAMPLE.read_text("utf-8"),
            }
        ),
        "this is not json",
        json.dumps(
            {
                "id": 7,
                "title": "Azerbaijan beat Slovakia in Nations League",
                "text": "The striker scored twice.",
            }
        ),
        json.dumps({"title": "no id"}),
    ]
    result = run("classify", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    assert "line 2: not JSON" in result.stderr and 'line 4: missing "id"' in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["sample", 7]
    assert list(out[0]) == ["id", "labels", "scores", "evidence"]
    assert out[0]["labels"] == ["defense", "diplomacy"] and out[1]["labels"] == []
    assert out[0]["evidence"]["defense"]["sentences"]


def test_classify_with_facts_and_a_threshold_setting() -> None:
    story = json.dumps({"id": "s", "title": "", "text": SAMPLE.read_text("utf-8")})
    result = run(
        "classify", "--facts", stdin=story + "\n", env={"NEWSWIRE_CLASSIFY_THRESHOLDS": '{"diplomacy": 1.5}'}
    )
    assert result.returncode == 0, result.stderr
    [out] = [json.loads(line) for line in result.stdout.splitlines()]
    assert out["labels"] == ["defense"]  # diplomacy's threshold is unreachable
    assert out["main_pair"] == ["AZ", "UZ"]
    assert out["events"][0]["type"] == "agreement_signed"


def test_classify_names_a_broken_taxonomy_file(tmp_path: Path) -> None:
    broken = tmp_path / "taxonomy.toml"
    broken.write_text("[[label]]\nname = 3\n", "utf-8")
    result = run("classify", "--taxonomy", str(broken), stdin="")
    assert result.returncode == 1 and str(broken) in result.stderr
