"""Search text folded so that the ways Japanese is typed find each other: ひらがな, カタカナ and
half-width ｶﾀｶﾅ, full-width and half-width letters and digits, upper and lower case.

A project keeps its title, summary and story folded (`projects.search_text`); a query is folded
the same way, so たおる, タオル and ﾀｵﾙ all find 泉州タオル.
"""

from __future__ import annotations

import unicodedata

import jaconv


def fold(text: str) -> str:
    """NFKC (ﾀｵﾙ → タオル, ＡＢＣ → ABC), hiragana → katakana (たおる → タオル), case folded."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "")).casefold()


def project_text(title: str, summary: str, story_markdown: str) -> str:
    """What a project's search looks in, folded."""
    return fold("\n".join((title or "", summary or "", story_markdown or "")))
