"""Staff: shipments past their promised month, across all businesses.

Its URLs are in the staff area's table (web/staff.py).
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from furusato.services.fulfilment import shipments
from furusato.web.guards import role_required


@role_required("staff")
def late_shipments() -> ResponseReturnValue:
    return render_template("staff/shipments_late.html", rows=shipments.late())
