"""Payloads for stored-XSS tests and a checker that finds them live (unescaped) in HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# One string for every plain-text field (≤ 100 characters: it fits a donor's name).
PLAIN = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>'><svg onload=alert(1)>"
# The escaped form a page shows when it displays the payload safely.
SHOWN_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
STORY = "\n\n".join(
    [
        "## 物語",
        "[クリック](javascript:alert(1)) と [大文字](JaVaScRiPt:alert(1))",
        "[データ](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">生のHTML</a> <img src=x onerror=alert(1)>',
        "![画像](javascript:alert(1))",
        '[タイトル](https://example.jp "\\" onmouseover=\\"alert(1)")',
    ]
)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
_CONTROL = re.compile(r"[\x00-\x20]")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._in_script = True
        for name, value in attrs:
            text = value or ""
            if name.startswith("on") and "alert" in text:
                self.found.append(f"<{tag} {name}={text!r}>: an event handler from user text")
            if name in _URL_ATTRIBUTES:
                url = _CONTROL.sub("", text).lower()
                if url.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.found.append(f"<{tag} {name}={text!r}>: a script URL")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>: the payload's image became a tag")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data.strip()[:60]}</script>: user text runs as script")


def live_payloads(html: str) -> list[str]:
    """What of the payloads the browser would run in this page (empty if all are escaped)."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    found = finder.found
    if re.search(r"<script[^>]*>\s*alert", html, re.IGNORECASE):
        found.append("'<script>alert' appears unescaped")
    return found
