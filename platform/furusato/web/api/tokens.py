"""POST /api/v1/tokens: exchange email and password for a bearer token."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from furusato.services import accounts
from furusato.web.api.core import ApiError, ApiInput, Call, operation


class TokenRequest(ApiInput):
    unchecked = frozenset({"password"})  # never shown or sent anywhere: only hashed

    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class TokenResponse(BaseModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_at: datetime
    role: str


@operation(
    "/tokens",
    method="POST",
    summary="Issue a bearer token",
    body=TokenRequest,
    response=TokenResponse,
    status=201,
    errors=(401, 429),
    limit="10 per minute",
)
def create_token(call: Call) -> TokenResponse:
    issued = accounts.issue_token(call.body.email, call.body.password)
    if issued is None:
        raise ApiError(401, "Unauthorized", "wrong email or password", "bad_credentials")
    token, expires = issued
    user = accounts.user_for_token(token)
    assert user is not None
    return TokenResponse(token=token, expires_at=expires, role=user.role)
