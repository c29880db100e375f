"""What every PDF shares: the embedded Japanese font, A4 geometry, text helpers.

The IPAex Gothic TrueType font ships inside the installed `japanize_matplotlib` package; it is
embedded (subset) into each PDF so every viewer shows the same glyphs, with no tofu boxes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "IPAexGothic"
PAGE = A4
PAGE_LANDSCAPE = landscape(A4)
MARGIN = 42.0

_registered = False


def font_path() -> Path:
    """ipaexg.ttf inside the installed package, located without importing it: importing
    japanize_matplotlib loads matplotlib and patches its settings, which we do not want."""
    spec = find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("japanize-matplotlib is not installed: it ships the IPAex font")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise RuntimeError(f"IPAex Gothic not found at {path}")
    return path


def register_font() -> str:
    """Register IPAex Gothic once per process; returns the font name to draw with."""
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
        _registered = True
    return FONT


def new_canvas(buffer: io.BytesIO, *, title: str, pagesize: tuple[float, float] = PAGE) -> Canvas:
    register_font()
    canvas = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("")
    canvas.setCreator("furusato")
    return canvas


def yen(amount: int) -> str:
    """10,000円"""
    return f"{amount:,}円"




def postal(code: str) -> str:
    """〒598-8550 from 5988550 or 598-8550."""
    digits = code.replace("-", "").strip()
    if len(digits) == 7 and digits.isdigit():
        return f"〒{digits[:3]}-{digits[3:]}"
    return f"〒{code}" if code else ""


def width(text: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, FONT, size))


def wrap(text: str, max_width: float, size: float) -> list[str]:
    """Break Japanese text by character (no spaces to break at) to fit `max_width`."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for char in paragraph:
            if current and width(current + char, size) > max_width:
                lines.append(current)
                current = char
            else:
                current += char
        lines.append(current)
    return lines


def fitting_size(text: str, max_width: float, size: float, minimum: float = 6.0) -> float:
    """The largest size ≤ `size` at which `text` fits on one line (down to `minimum`)."""
    while size > minimum and width(text, size) > max_width:
        size -= 0.5
    return size


def text(
    canvas: Canvas,
    x: float,
    y: float,
    value: str,
    size: float = 10.5,
    *,
    align: str = "left",
    max_width: float | None = None,
) -> None:
    """One line of text; shrinks to `max_width` instead of running off the page."""
    if max_width is not None:
        size = fitting_size(value, max_width, size)
    canvas.setFont(FONT, size)
    draw: Callable[[float, float, str], object] = {
        "left": canvas.drawString,
        "center": canvas.drawCentredString,
        "right": canvas.drawRightString,
    }[align]
    draw(x, y, value)


def paragraph(
    canvas: Canvas,
    x: float,
    y: float,
    value: str,
    max_width: float,
    size: float = 10.0,
    leading: float | None = None,
) -> float:
    """Wrapped lines from `y` downwards; returns the y below the last line."""
    leading = leading or size * 1.5
    canvas.setFont(FONT, size)
    for line in wrap(value, max_width, size):
        canvas.drawString(x, y, line)
        y -= leading
    return y


def checkbox(canvas: Canvas, x: float, y: float, size: float = 10.0, ticked: bool = False) -> None:
    """A square box with its lower-left corner at (x, y); ticked draws a check mark in it."""
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, size, size)
    if ticked:
        canvas.setLineWidth(1.6)
        path = canvas.beginPath()
        path.moveTo(x + size * 0.18, y + size * 0.52)
        path.lineTo(x + size * 0.42, y + size * 0.2)
        path.lineTo(x + size * 0.85, y + size * 0.85)
        canvas.drawPath(path, stroke=1, fill=0)
        canvas.setLineWidth(0.8)


def style(size: float = 9.0, leading: float | None = None, **kw: object) -> ParagraphStyle:
    """A platypus paragraph style in the embedded font (tables that may span pages)."""
    register_font()
    return ParagraphStyle(
        name=f"jp{size}", fontName=FONT, fontSize=size, leading=leading or size * 1.4, **kw
    )
