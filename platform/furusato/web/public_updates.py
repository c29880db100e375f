"""What a donor reaches from an update's mail without logging in: the pictures of published
updates, and the page that stops a campaign's update mails (a signed link; the stop is a POST,
so a mail scanner following the link stops nothing).

Its URLs are in the public area's table (web/public.py).
"""

from __future__ import annotations

import hashlib

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from furusato.services.campaigns import update_mail, updates
from furusato.services.errors import NotFound
from furusato.web.guards import public
from furusato.web.project_forms import EmptyForm


@public
def update_image(image_id: int, size: str) -> ResponseReturnValue:
    try:
        data, content_type = updates.image_bytes(image_id, size)
    except NotFound:
        abort(404)
    response = Response(data, content_type=content_type)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    # Short: an update staff hold back takes its pictures with it.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)


@public
def unsubscribe(token: str) -> ResponseReturnValue:
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        page = update_mail.unsubscribe(token)
    else:
        page = update_mail.unsubscribe_page(token)
    response = Response(render_template("public/unsubscribe.html", page=page, form=form))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
