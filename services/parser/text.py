"""HTML to plain text: markup, scripts and styles gone, entities decoded, paragraphs kept.

One linear walk over lxml's tree (start/end events): BeautifulSoup's per-tag inserts made 50,000
nested divs take minutes (quadratic), a cheap way to stall a parse worker with one feed entry."""

from __future__ import annotations

import re
import unicodedata

from lxml import etree
from lxml import html as lxml_html

DROP = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "form",
    "head",
}
BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
    "dl", "dt", "dd", "aside", "main", "nav",
}  # fmt: skip
_PARA = "\u2029"  # paragraph separator as a placeholder: survives whitespace collapsing
_LINE = "\u2028"  # line separator for <br>


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment: one blank line between paragraphs."""
    if not html or not html.strip():
        return ""
    if "<" not in html and "&" not in html:
        return _normalise(html)
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):  # lxml asserts on a whole empty document
        return _normalise(re.sub(r"<[^>]*>", " ", html))
    # iterwalk reports no events for comments: remove them first, keeping the text after them.
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else None  # None: comment or PI
        if event == "start":
            if tag is None or tag in DROP:
                walker.skip_subtree()  # its "end" event still comes, and carries its tail
                continue
            parts.append(_LINE if tag == "br" else _PARA if tag in BLOCKS else "")
            if element.text:
                parts.append(element.text)
        elif tag is not None:
            if tag in BLOCKS:
                parts.append(_PARA)
            if element.tail and element is not root:
                parts.append(element.tail)
    return _normalise("".join(parts))


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
