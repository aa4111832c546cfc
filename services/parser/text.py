"""HTML to plain text: markup, scripts and styles gone, entities decoded, paragraphs kept."""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, Comment

DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "form")
BLOCKS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "dl", "dt", "dd", "aside", "main", "nav",
)  # fmt: skip
_PARA = "\u2029"  # paragraph separator as a placeholder: survives whitespace collapsing
_LINE = "\u2028"  # line separator for <br>


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment: one blank line between paragraphs."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html:
        return _normalise(html)
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(DROP):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for br in soup.find_all("br"):
        br.replace_with(_LINE)
    for tag in soup.find_all(BLOCKS):
        tag.insert_before(_PARA)
        tag.insert_after(_PARA)
    return _normalise(soup.get_text())


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "")
    text = re.sub(r"\r\n?|\n{2,}", _PARA, text)  # a blank line in plain text is a paragraph too
    paragraphs = []
    for part in text.split(_PARA):
        lines = (" ".join(line.split()) for line in part.split(_LINE))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)
