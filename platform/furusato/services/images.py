"""Project images: checked by their content, never by name or declared type, and re-encoded.

Only JPEG, PNG and WebP are accepted, up to MAX_BYTES and MAX_PIXELS (a small file that decodes
into a huge bitmap — a decompression bomb — is refused from its header, before decoding).
Re-encoding drops EXIF data such as the GPS position of a phone photo.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from furusato.services.errors import N_, ValidationFailed

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000 × 5000
MAX_IMAGES_PER_PROJECT = 8
LARGE_PX = 1200
THUMB_PX = 400
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class ProcessedImage:
    content_type: str
    large: bytes
    thumbnail: bytes
    width: int  # of the large rendition
    height: int


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"image": message})


def process(data: bytes) -> ProcessedImage:
    """Check an upload and return its web renditions, or raise ValidationFailed."""
    if not data:
        raise _refuse(N_("画像ファイルを選んでください。"), "image_empty")
    if len(data) > MAX_BYTES:
        raise _refuse(
            N_("画像は%(mb)sMB以下にしてください。", mb=MAX_BYTES // (1024 * 1024)),
            "image_too_large",
        )
    with warnings.catch_warnings():
        # Pillow warns (and later raises) on huge images; our own limit below is lower.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in FORMATS:
                raise _refuse(
                    N_("JPEG・PNG・WebP形式の画像を選んでください。"), "image_type_not_allowed"
                )
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(N_("画像の画素数が大きすぎます。"), "image_too_many_pixels")
            image.load()
        except ValidationFailed:
            raise
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            raise _refuse(
                N_("画像として読み込めませんでした。JPEG・PNG・WebP形式の画像を選んでください。"),
                "image_unreadable",
            ) from None
        except (OSError, SyntaxError, ValueError):
            raise _refuse(N_("画像ファイルが壊れています。"), "image_unreadable") from None
    upright: Image.Image = ImageOps.exif_transpose(image) or image
    large = _rendition(upright, LARGE_PX, fmt)
    thumb = _rendition(upright, THUMB_PX, fmt)
    with Image.open(io.BytesIO(large)) as check:
        w, h = check.size
    return ProcessedImage(FORMATS[fmt], large, thumb, w, h)


def _rendition(image: Image.Image, box: int, fmt: str) -> bytes:
    copy = image.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    if fmt == "JPEG" and copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    elif fmt in ("PNG", "WEBP") and copy.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        copy = copy.convert("RGBA")
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 85
    copy.save(out, format=fmt, **options)
    return out.getvalue()
