"""Multi-page documents built with platypus tables in the embedded font."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from furusato.documents.layout import FONT, MARGIN, PAGE, register_font, style

Row = Sequence[Any]


def cell(value: str, size: float = 8.5, **kw: Any) -> Paragraph:
    """Table text that wraps Japanese by character."""
    return Paragraph(_escape(value), style(size, wordWrap="CJK", **kw))


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def para(value: str, size: float = 10.0, **kw: Any) -> Paragraph:
    return cell(value, size, **kw)


def table(
    header: Row, rows: Sequence[Row], widths: Sequence[float], *, total: Row | None = None
) -> Table:
    data: list[Row] = [list(header), *rows]
    if total is not None:
        data.append(list(total))
    t = Table(data, colWidths=list(widths), repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total is not None:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.96, 0.96, 0.9)))
    t.setStyle(TableStyle(commands))
    return t


def build(
    flowables: list[Flowable],
    *,
    title: str,
    pagesize: tuple[float, float] = PAGE,
    footer: Callable[[int], str] | None = None,
) -> bytes:
    register_font()
    buffer = io.BytesIO()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        label = footer(doc.page) if footer else f"{doc.page}"
        canvas.drawCentredString(pagesize[0] / 2, MARGIN / 2, label)
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="",
        creator="furusato",
    )
    doc.build(flowables, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
