"""Image uploads cannot be used to exhaust a web process: who uploads is checked before the
upload is read, sizes before decoding, and one decode of the largest allowed image of each kind
stays under 200 MB, however many arrive at once."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from furusato.models import ProjectImage
from furusato.services.campaigns import images
from tests.conftest import login
from tests.factories import make_project, make_user

MEMORY_CEILING_MB = 200


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims a size (its pixel data does not match: never decodable)."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, format="PNG")
    real = out.getvalue()
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    patched = struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:8] + patched + real[8 + 25 :]


def _upload(client: FlaskClient, project_id: int, data: bytes) -> tuple[int, str]:
    response = client.post(
        f"/business/projects/{project_id}/images",
        data={"image": (io.BytesIO(data), "photo.png"), "alt_text": "写真"},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_another_business_is_refused_before_its_upload_is_looked_at(
    client: FlaskClient, db: Session
) -> None:
    """A non-owner's huge or broken image gets 403, not the verdict of reading the image."""
    draft = make_project(db, status="draft")
    login(client, make_user(db, "business"))
    for data in (_png_claiming(30_000, 30_000), _png_claiming(2_000, 2_000)):
        status, _ = _upload(client, draft.id, data)
        assert status == 403
    assert db.scalar(select(func.count()).select_from(ProjectImage)) == 0


def test_an_image_with_too_many_pixels_is_refused_with_413_from_its_header(
    client: FlaskClient, db: Session
) -> None:
    """One pixel past its kind's limit: 413 with the limit in the message, and nothing stored."""
    owner = make_user(db, "business")
    draft = make_project(db, owner.business, status="draft")
    login(client, owner)
    limit = images.PIXEL_LIMITS["PNG"]
    width = 4_000
    status, page = _upload(client, draft.id, _png_claiming(width, limit // width + 1))
    assert status == 413
    assert "画像の画素数が大きすぎます" in page and format(limit, ",") in page
    # The 6300 × 6300 PNG of the finding, a real one this time.
    out = io.BytesIO()
    Image.new("RGBA", (6_300, 6_300), (10, 20, 30, 40)).save(out, format="PNG")
    status, page = _upload(client, draft.id, out.getvalue())
    assert status == 413
    assert db.scalar(select(func.count()).select_from(ProjectImage)) == 0


def test_a_request_larger_than_an_upload_is_refused_before_it_is_read(
    client: FlaskClient, db: Session
) -> None:
    """A body over MAX_UPLOAD_BYTES gets 413 with the size in the message."""
    owner = make_user(db, "business")
    draft = make_project(db, owner.business, status="draft")
    login(client, owner)
    status, page = _upload(client, draft.id, b"\x89PNG" + b"\0" * (images.MAX_UPLOAD_BYTES + 1))
    assert status == 413
    assert "8MB以下" in page


# Each kind at its own limit, drawn so that it compresses under MAX_BYTES. CMYK progressive
# JPEG and RGBA WebP cost the most per pixel of their kinds.
KINDS = {
    "png-rgba": ("PNG", "RGBA", images.PIXEL_LIMITS["PNG"], {}),
    "webp-rgba": ("WEBP", "RGBA", images.PIXEL_LIMITS["WEBP"], {"quality": 80}),
    "jpeg-cmyk-progressive": (
        "JPEG",
        "CMYK",
        images.PIXEL_LIMITS["JPEG progressive"],
        {"quality": 80, "progressive": True},
    ),
    "jpeg-cmyk-baseline": ("JPEG", "CMYK", images.PIXEL_LIMITS["JPEG"], {"quality": 60}),
}

_MEASURE = """
import json, resource, sys, threading
data = open(sys.argv[1], "rb").read()
copies = int(sys.argv[2])
from furusato.services.campaigns import images
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
results = []
def upload():
    results.append(images.process(data).width)
threads = [threading.Thread(target=upload) for _ in range(copies)]
for t in threads:
    t.start()
for t in threads:
    t.join()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"done": len(results), "mb": (peak - base) / 1024, "input_mb": len(data) / 2**20}))
"""


def _image_at_limit(tmp_path: Path, kind: str) -> Path:
    fmt, mode, pixels, options = KINDS[kind]
    width = 4_000 if pixels >= 16_000_000 else 2_000
    height = pixels // width
    picture = Image.new("RGBA" if mode == "RGBA" else "RGB", (width, height), (90, 40, 160))
    draw = ImageDraw.Draw(picture)
    for x in range(0, width, 97):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 80, 160), width=9)
    if mode == "CMYK":
        picture = picture.convert("CMYK")
    path = tmp_path / f"{kind}.{fmt.lower()}"
    picture.save(path, format=fmt, **options)
    assert path.stat().st_size <= images.MAX_BYTES
    return path


def _peak_mb(path: Path, copies: int) -> dict[str, float]:
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), str(copies)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert measured.returncode == 0, measured.stderr
    result: dict[str, float] = json.loads(measured.stdout)
    assert result["done"] == copies
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_one_upload_at_the_pixel_limit_stays_under_200_mb(tmp_path: Path, kind: str) -> None:
    """The peak RSS of decoding the largest allowed image, plus the upload's bytes, < 200 MB."""
    result = _peak_mb(_image_at_limit(tmp_path, kind), copies=1)
    assert result["mb"] + result["input_mb"] < MEMORY_CEILING_MB, result


def test_eight_concurrent_uploads_cost_what_one_does(tmp_path: Path) -> None:
    """Eight threads of one process decoding the largest PNG at once stay under 200 MB."""
    result = _peak_mb(_image_at_limit(tmp_path, "png-rgba"), copies=8)
    assert result["mb"] + 8 * result["input_mb"] < MEMORY_CEILING_MB, result
