"""A record's description: HTML from the depositor, shown safely and exported as plain text.

Zenodo accepts an abstract with a little HTML (paragraphs, emphasis, lists, links), and clients send
it that way. A landing page must not trust it (a ``<script>`` or an ``onclick`` in a description
would run in every visitor's browser with their session), and citation formats want text. Both are
answered here with the standard library's HTML parser, so nothing of the markup reaches a page
unless it is on the short list below, re-serialised from parsed pieces rather than copied::

    >>> safe_html('<p onclick="steal()">Calibrated <b>muon</b> spectra<script>x()</script></p>')
    '<p>Calibrated <b>muon</b> spectra</p>'
    >>> plain_text("<p>Calibrated <b>muon</b>&nbsp;spectra.</p><p>Raw data.</p>")
    'Calibrated muon spectra. Raw data.'
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Kept with their text; every attribute but a link's web address is dropped.
ALLOWED_TAGS = frozenset(
    {"p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "code", "pre", "ul", "ol", "li", "a", "blockquote"}
)
# Dropped with their content: code, styles and embedded documents are never text.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "svg", "math", "head"})
_VOID = frozenset({"br"})
# Tags that separate words; inline ones (``mu<b>on</b>``) do not.
_BLOCKS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "td", "th", "dd", "dt", "hr"}
    | {f"h{level}" for level in range(1, 7)}
)
_SAFE_LINK = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class _Cleaner(HTMLParser):
    """Rebuilds the description from allowed tags and escaped text; everything else is left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.skipping = 0  # depth inside a tag dropped with its content

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._separate(tag)
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping += 1
            return
        if self.skipping or tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not _SAFE_LINK.match(href.strip()):
                return  # a javascript: or relative link keeps its text but loses the link
            self.html.append(f'<a href="{html.escape(href.strip())}" rel="nofollow noopener">')
        else:
            self.html.append(f"<{tag}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID and not self.skipping:
            self.handle_starttag(tag, attrs)
        else:
            self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        self._separate(tag)
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.open and not self.skipping:
            # Close what was left open inside it, so the output is always well nested.
            while self.open:
                closing = self.open.pop()
                self.html.append(f"</{closing}>")
                if closing == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.html.append(html.escape(data, quote=False))
            self.text.append(data)

    def _separate(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.text.append(" ")

    def finish(self) -> None:
        self.close()
        self.html.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()


def _cleaned(description: str) -> _Cleaner:
    cleaner = _Cleaner()
    cleaner.feed(description)
    cleaner.finish()
    return cleaner


def safe_html(description: str) -> str:
    """The description with only :data:`ALLOWED_TAGS` kept, safe to put into a page as it is."""
    return "".join(_cleaned(description).html)


def plain_text(description: str) -> str:
    """The words of the description without markup or entities, spaces collapsed."""
    return _SPACES.sub(" ", "".join(_cleaned(description).text)).strip()
