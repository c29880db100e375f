"""GET /api/v1/postal-codes/<code>: the address a postal code stands for (form auto-fill)."""

from __future__ import annotations

from pydantic import BaseModel

from furusato.services import addresses
from furusato.web.api.core import Call, operation


class PostalAddress(BaseModel):
    postal_code: str
    prefecture: str
    city: str
    town: str
    municipality_code: str
    resident: bool  # the city's own resident: may donate, gets no gift


@operation(
    "/postal-codes/<code>",
    summary="Look up a Japanese postal code",
    response=PostalAddress,
    errors=(422,),
)
def postal_code(call: Call, code: str) -> PostalAddress:
    found = addresses.lookup(code)
    return PostalAddress(
        postal_code=found.postal_code,
        prefecture=found.prefecture,
        city=found.city,
        town=found.town,
        municipality_code=found.municipality_code,
        resident=found.resident,
    )
