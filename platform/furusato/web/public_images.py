"""Project images: GET /images/<id>/<large|thumb>.

Open to everyone once the project is past review; before that only its business and staff see
it (others get 404, so drafts do not leak). Public images are cacheable; private ones are not.

Its URLs are in the public area's table (web/public.py).
"""

from __future__ import annotations

import hashlib

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from furusato.services.campaigns import project_images
from furusato.services.errors import NotFound
from furusato.web.guards import public


@public
def project_image(image_id: int, size: str) -> ResponseReturnValue:
    if size not in ("large", "thumb"):
        abort(404)
    actor = current_user if current_user.is_authenticated else None
    try:
        data, content_type, is_public = project_images.image_bytes(actor, image_id, size)
    except NotFound:
        abort(404)
    response = Response(data, content_type=content_type)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    if is_public:
        response.headers["Cache-Control"] = "public, max-age=86400"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)
