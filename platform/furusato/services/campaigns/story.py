"""A project's story: Markdown written by the business, rendered once to safe HTML.

markdown-it renders with raw HTML switched off, and nh3 (ammonia) then keeps only an allow-list
of tags and attributes: no <script>, no event-handler attributes, no javascript: or data: links.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_STORY_CHARS = 20_000


def render(markdown: str) -> str:
    """Markdown → sanitised HTML (headings start at h2: the page title is the h1)."""
    html = _md.render(_demote_h1(markdown or ""))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _demote_h1(markdown: str) -> str:
    lines = []
    for line in markdown.splitlines():
        if line.startswith("# "):
            line = "#" + line
        lines.append(line)
    return "\n".join(lines)
