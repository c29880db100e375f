"""Project images: checked by their content, never by name or declared type, and re-encoded.

Only JPEG, PNG and WebP are accepted, up to MAX_BYTES and PIXEL_LIMITS. What an upload may
cost is decided before it costs anything, in this order: the caller checks who uploads (the
project's own business), the web layer refuses a request body larger than MAX_UPLOAD_BYTES
before reading it, and `process` reads the image's header only (Pillow's `Image.open`) and
refuses more pixels than its kind may have before decoding one. The limits keep one decode
under about 150 MB (tests/security/test_image_uploads.py measures each kind at its limit).
Decodes take turns, one per process (DECODE_SLOTS), so that eight uploads at once cost what
one does, not eight times as much.

The decoded image is shrunk in place to the large rendition before anything else is done with
it (a JPEG is even decoded at a reduced scale), and the thumbnail is made from that: no
full-size copy. Re-encoding drops EXIF data such as the GPS position of a phone photo.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from furusato.services.errors import N_, ServiceError, ValidationFailed

MAX_BYTES = 8 * 1024 * 1024
# The most a request to the upload page may carry: the file and the form's few fields.
MAX_UPLOAD_BYTES = MAX_BYTES + 64 * 1024
# The most pixels an image may have, by how it is stored. Decoding one costs about 9 bytes a
# pixel as a PNG or a progressive JPEG (libjpeg keeps every coefficient of a progressive file),
# 17 as a WebP (its decoder holds the frame twice and Pillow copies it twice), and little as a
# baseline JPEG, which is decoded at 1/2, 1/4 or 1/8 scale. 16 million pixels is, for example,
# 4900 × 3265, more than a 12-megapixel phone photo (4032 × 3024).
PIXEL_LIMITS = {
    "JPEG": 40_000_000,
    "JPEG progressive": 16_000_000,
    "PNG": 16_000_000,
    "WEBP": 8_000_000,
}
MAX_PIXELS = max(PIXEL_LIMITS.values())
MAX_IMAGES_PER_PROJECT = 8
LARGE_PX = 1200
THUMB_PX = 400
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
DECODE_SLOTS = 1
DECODE_WAIT_SECONDS = 60

# Pillow's own guard (a warning past this many pixels, an error past twice as many) is set to
# ours, for every image this process opens; the header check below refuses first.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_decoding = threading.BoundedSemaphore(DECODE_SLOTS)


class ImageTooLarge(ValidationFailed):
    """More bytes or pixels than an upload may have."""

    status = 413


class ImagesBusy(ServiceError):
    """Every decode slot stayed taken for DECODE_WAIT_SECONDS; nothing was stored."""

    status = 503
    code = "images_busy"


@dataclass(frozen=True)
class ProcessedImage:
    content_type: str
    large: bytes
    thumbnail: bytes
    width: int  # of the large rendition
    height: int


def _refuse(message: str, code: str, error: type[ValidationFailed] = ValidationFailed) -> Exception:
    return error(message, code=code, fields={"image": message})


def pixel_limit(image: Image.Image) -> int:
    """The most pixels an image of this kind may have (read from its header)."""
    fmt = image.format or ""
    if fmt == "JPEG" and image.info.get("progressive"):
        return PIXEL_LIMITS["JPEG progressive"]
    return PIXEL_LIMITS.get(fmt, 0)


def _too_many_pixels(limit: int) -> Exception:
    return _refuse(
        N_(
            "画像の画素数が大きすぎます（この形式は%(n)s画素まで）。縮小してからアップロードしてください。",
            n=format(limit, ","),
        ),
        "image_too_many_pixels",
        ImageTooLarge,
    )


def too_many_bytes() -> Exception:
    return _refuse(
        N_("画像は%(mb)sMB以下にしてください。", mb=MAX_BYTES // (1024 * 1024)),
        "image_too_large",
        ImageTooLarge,
    )


def _unreadable() -> Exception:
    return _refuse(
        N_("画像として読み込めませんでした。JPEG・PNG・WebP形式の画像を選んでください。"),
        "image_unreadable",
    )


def process(data: bytes) -> ProcessedImage:
    """Check an upload and return its web renditions, or raise ValidationFailed."""
    if not data:
        raise _refuse(N_("画像ファイルを選んでください。"), "image_empty")
    if len(data) > MAX_BYTES:
        raise too_many_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))  # the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(MAX_PIXELS) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _unreadable() from None
    with image:
        fmt = image.format or ""
        if fmt not in FORMATS:
            raise _refuse(
                N_("JPEG・PNG・WebP形式の画像を選んでください。"), "image_type_not_allowed"
            )
        width, height = image.size
        if width * height > (limit := pixel_limit(image)):
            raise _too_many_pixels(limit)
        if not _decoding.acquire(timeout=DECODE_WAIT_SECONDS):
            raise ImagesBusy(
                N_("画像の処理が混み合っています。少し待ってからもう一度お試しください。")
            )
        try:
            large = _large_rendition(image, fmt)
        finally:
            _decoding.release()
    thumb = large.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    return ProcessedImage(
        FORMATS[fmt], _encode(large, fmt), _encode(thumb, fmt), large.width, large.height
    )


def _large_rendition(image: Image.Image, fmt: str) -> Image.Image:
    """Decode, shrinking in place to fit LARGE_PX, then turn it upright."""
    try:
        if fmt == "JPEG":
            image.draft(image.mode, (LARGE_PX, LARGE_PX))  # decode at 1/2, 1/4 or 1/8 scale
        image.thumbnail((LARGE_PX, LARGE_PX), Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(image) or image
        return _web_mode(upright, fmt)
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(N_("画像ファイルが壊れています。"), "image_unreadable") from None


def _web_mode(image: Image.Image, fmt: str) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit or float grey
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        return image.convert("RGBA")
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"optimize": True}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 85
    image.save(out, format=fmt, **options)
    return out.getvalue()
