"""GET /api/v1/postal-codes/<code>: the address a postal code stands for (form auto-fill)."""

from __future__ import annotations

from typing import Self

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

    @classmethod
    def from_view(cls, address: addresses.Address) -> Self:
        return cls.model_validate(address, from_attributes=True)


@operation(
    "/postal-codes/<code>",
    summary="Look up a Japanese postal code",
    response=PostalAddress,
    errors=(422,),
)
def postal_code(call: Call, code: str) -> PostalAddress:
    return PostalAddress.from_view(addresses.lookup(code))
