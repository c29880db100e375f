"""Image uploads: checked by content, size-limited, bomb-safe, resized, metadata dropped."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from furusato.services.campaigns import images
from furusato.services.errors import ValidationFailed


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    return encode(Image.new(mode, (width, height), (200, 30, 30)), "PNG")


def test_large_jpeg_is_resized_to_web_sizes() -> None:
    """A 3000×2000 photo becomes 1200×800 and a 400-wide thumbnail, still JPEG."""
    result = images.process(encode(Image.new("RGB", (3000, 2000), (10, 120, 200)), "JPEG"))
    assert result.content_type == "image/jpeg"
    assert (result.width, result.height) == (1200, 800)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.size == (400, 267) and thumb.format == "JPEG"


def test_png_with_transparency_and_webp_are_accepted() -> None:
    """PNG keeps its alpha channel; WebP is accepted; small images are not enlarged."""
    png = images.process(png_bytes(300, 200, "RGBA"))
    assert png.content_type == "image/png" and (png.width, png.height) == (300, 200)
    webp = images.process(encode(Image.new("RGB", (500, 500)), "WEBP"))
    assert webp.content_type == "image/webp"


def test_exif_metadata_is_dropped() -> None:
    """A phone photo's EXIF (GPS and all) does not survive re-encoding."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    data = encode(Image.new("RGB", (50, 50)), "JPEG", exif=exif.tobytes())
    with Image.open(io.BytesIO(images.process(data).large)) as out:
        assert dict(out.getexif()) == {}


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 not an image", b"<svg onload=alert(1)></svg>", b"GIF89a" + b"\0" * 20],
    ids=["pdf", "svg", "gif-header"],
)
def test_non_images_are_refused_with_a_clear_error(data: bytes) -> None:
    """Anything that is not JPEG/PNG/WebP by content is refused, whatever its name."""
    with pytest.raises(ValidationFailed) as caught:
        images.process(data)
    assert "JPEG・PNG・WebP" in caught.value.message


def test_real_gif_is_refused() -> None:
    """A genuine GIF decodes fine but is not an allowed type."""
    with pytest.raises(ValidationFailed) as caught:
        images.process(encode(Image.new("P", (10, 10)), "GIF"))
    assert caught.value.code == "image_type_not_allowed"


def test_oversized_file_is_refused() -> None:
    """More than 8 MB is refused before decoding."""
    with pytest.raises(ValidationFailed) as caught:
        images.process(b"\xff\xd8\xff" + b"\0" * images.MAX_BYTES)
    assert caught.value.code == "image_too_large"
    assert "8MB" in caught.value.message


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's shape."""
    real = png_bytes(1, 1)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:8] + patched + real[8 + 25 :]


def test_decompression_bomb_is_refused_from_its_header() -> None:
    """A 30000×30000 claim in a small file is refused without decoding it."""
    data = _png_claiming(30_000, 30_000)
    assert len(data) < 200
    with pytest.raises(ValidationFailed) as caught:
        images.process(data)
    assert caught.value.code in ("image_too_many_pixels", "image_unreadable")


def test_truncated_image_is_refused() -> None:
    """A cut-off JPEG is refused as broken."""
    data = encode(Image.new("RGB", (200, 200), (1, 2, 3)), "JPEG")
    with pytest.raises(ValidationFailed):
        images.process(data[: len(data) // 2])
