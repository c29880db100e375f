"""Pictures for the demo campaigns, drawn with Pillow (no photo files ship with the code).

Each is a poster in the campaign's colours with its product name in IPAex Gothic, a JPEG that the
business uploads like any other picture (the upload's checks and renditions make what is shown).
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from furusato.documents.layout import font_path

SIZE = (1200, 800)

# campaign key -> (top colour, bottom colour, motif, product name)
POSTERS: dict[str, tuple[str, str, str, str]] = {
    "sports": ("#eef6ee", "#3f8f5a", "stripes", "スポーツタオル"),
    "towel": ("#f4efe6", "#d9c9ae", "stripes", "泉州タオル"),
    "mizunasu": ("#efe9f5", "#6d4a8c", "dots", "泉州水なす漬け"),
    "onion": ("#fbf3dc", "#d7a84a", "dots", "泉州玉ねぎ"),
    "gauze": ("#f7f5f2", "#c9d8e4", "stripes", "ガーゼケット"),
    "crab": ("#e3eef6", "#2f5f86", "waves", "泉佐野の渡りガニ"),
    "beer": ("#fbf1d9", "#b9782e", "dots", "犬鳴山クラフトビール"),
}


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@lru_cache(maxsize=len(POSTERS))
def poster_jpeg(key: str) -> bytes:
    top, bottom, motif, name = POSTERS[key]
    width, height = SIZE
    a, b = _hex(top), _hex(bottom)
    column = Image.new("RGB", (1, height))
    column.putdata(
        [tuple(a[i] + (b[i] - a[i]) * y // height for i in range(3)) for y in range(height)]
    )
    image = column.resize(SIZE)
    draw = ImageDraw.Draw(image)
    ink = (255, 255, 255)
    if motif == "stripes":
        for y in range(80, height, 56):
            draw.rectangle([0, y, width, y + 14], fill=(255, 255, 255))
    elif motif == "dots":
        for row, y in enumerate(range(60, height, 140)):
            for x in range(60 + (row % 2) * 70, width, 140):
                draw.ellipse([x - 34, y - 34, x + 34, y + 34], outline=ink, width=6)
    else:
        for y in range(120, height, 90):
            for x in range(0, width, 120):
                draw.arc([x, y, x + 120, y + 60], 180, 360, fill=ink, width=6)
    font = ImageFont.truetype(str(font_path()), 96)
    small = ImageFont.truetype(str(font_path()), 40)
    box = draw.textbbox((0, 0), name, font=font)
    text_w = box[2] - box[0]
    panel = [(width - text_w) // 2 - 60, 250, (width + text_w) // 2 + 60, 560]
    draw.rounded_rectangle(panel, radius=28, fill=(255, 255, 255), outline=_hex(bottom), width=6)
    draw.text((width // 2, 390), name, font=font, fill=(40, 40, 40), anchor="mm")
    draw.text(
        (width // 2, 490), "泉佐野市 ふるさと納税", font=small, fill=(90, 90, 90), anchor="mm"
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()
