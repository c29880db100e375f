"""活動報告 and 応援メッセージ over the API: a public project's published updates and approved
messages for anyone; the business posts updates (a final report with its accounts) and
approves, declines or answers messages; staff hold or release updates and hide messages."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from furusato.domain import cheer
from furusato.domain import updates as rules
from furusato.domain.updates import AccountLine
from furusato.services.accounts import User
from furusato.services.campaigns import cheers, update_pages, updates
from furusato.services.campaigns.cheers import CheerShown
from furusato.services.campaigns.updates import UpdateShown
from furusato.web.api.core import ANONYMOUS, ApiInput, Call, from_view, operation

ANYONE = (ANONYMOUS, "donor", "business", "staff")
BUSINESS, STAFF = "business", "staff"


class AccountLineIn(ApiInput):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=rules.MAX_ITEM_CHARS)
    amount_yen: StrictInt = Field(ge=1, le=rules.MAX_LINE_YEN, description="whole yen")


class UpdateIn(ApiInput):
    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"body"})

    title: str = Field(min_length=1, max_length=rules.MAX_TITLE_CHARS)
    body: str = Field(min_length=1, max_length=rules.MAX_BODY_CHARS, description="Markdown")
    is_final: StrictBool = Field(False, description="the final report of a funded campaign")
    accounts: list[AccountLineIn] = Field(
        default_factory=list,
        max_length=rules.MAX_ACCOUNT_LINES,
        description="a final report's accounts: what the subsidy paid for, at most the subsidy",
    )


class AccountLineOut(BaseModel):
    item: str
    amount_yen: int


class UpdateOut(BaseModel):
    id: int
    project_id: int
    title: str
    body_markdown: str
    body_html: str = Field(description="sanitised HTML (an allow-list of tags)")
    is_final: bool
    status: str  # published | held
    published_at: datetime
    accounts: list[AccountLineOut]
    accounts_total_yen: int
    image_urls: list[str]

    @classmethod
    def from_view(cls, u: UpdateShown) -> Self:
        return from_view(
            cls,
            u,
            accounts=[AccountLineOut(item=a.item, amount_yen=a.amount_yen) for a in u.accounts],
            image_urls=[f"/updates/images/{i}/large" for i in u.image_ids],
        )


class UpdateList(BaseModel):
    items: list[UpdateOut]


class MessageOut(BaseModel):
    id: int
    project_id: int
    body: str
    display_name: str = Field(description="empty when the donor chose to be anonymous")
    anonymous: bool
    status: str  # pending | approved | hidden
    created_at: datetime
    reply: str | None
    replied_at: datetime | None

    @classmethod
    def from_view(cls, m: CheerShown) -> Self:
        return from_view(cls, m, anonymous=m.anonymous)


class MessageList(BaseModel):
    items: list[MessageOut]


class ReasonIn(ApiInput):
    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"reason"})

    reason: str = Field("", max_length=2_000)


class ReplyIn(ApiInput):
    model_config = ConfigDict(extra="forbid")
    multi_line = frozenset({"reply"})

    reply: str = Field(min_length=1, max_length=cheer.MAX_REPLY_CHARS)


def _user(call: Call) -> User:
    assert call.user is not None  # the operation's roles exclude anonymous callers
    return call.user


@operation(
    "/projects/<int:project_id>/updates",
    summary="A public project's published updates (活動報告), oldest first",
    roles=ANYONE,
    response=UpdateList,
    errors=(404,),
)
def list_project_updates(call: Call, project_id: int) -> UpdateList:
    return UpdateList(
        items=[UpdateOut.from_view(u) for u in update_pages.public_updates(project_id)]
    )


@operation(
    "/projects/<int:project_id>/updates",
    method="POST",
    summary="Publish an update of the caller's own campaign (its business); mailed to donors",
    roles=(BUSINESS,),
    body=UpdateIn,
    response=UpdateOut,
    status=201,
    idempotent=True,
    errors=(403, 404, 409, 422),
)
def post_update(call: Call, project_id: int) -> UpdateOut:
    body: UpdateIn = call.body
    update_id = updates.post(
        _user(call),
        project_id,
        title=body.title,
        body=body.body,
        is_final=body.is_final,
        accounts=[AccountLine(a.item, a.amount_yen) for a in body.accounts],
        ip_address=call.ip_address,
    )
    return UpdateOut.from_view(update_pages.update_view(update_id))


@operation(
    "/updates/<int:update_id>/hold",
    method="POST",
    summary="Hold an update back (staff): off the page, not mailed until released",
    roles=(STAFF,),
    body=ReasonIn,
    response=UpdateOut,
    errors=(404, 409, 422),
)
def hold_update(call: Call, update_id: int) -> UpdateOut:
    updates.hold(_user(call), update_id, call.body.reason, ip_address=call.ip_address)
    return UpdateOut.from_view(update_pages.update_view(update_id))


@operation(
    "/updates/<int:update_id>/release",
    method="POST",
    summary="Publish a held update again (staff); mailed then if it never was",
    roles=(STAFF,),
    response=UpdateOut,
    errors=(404, 409),
)
def release_update(call: Call, update_id: int) -> UpdateOut:
    updates.release(_user(call), update_id, ip_address=call.ip_address)
    return UpdateOut.from_view(update_pages.update_view(update_id))


@operation(
    "/projects/<int:project_id>/messages",
    summary="A public project's approved messages (応援メッセージ), newest first",
    roles=ANYONE,
    response=MessageList,
    errors=(404,),
)
def list_project_messages(call: Call, project_id: int) -> MessageList:
    return MessageList(
        items=[MessageOut.from_view(m) for m in update_pages.public_messages(project_id)]
    )


@operation(
    "/messages/<int:message_id>/approve",
    method="POST",
    summary="Show a waiting message on the project page (its business, staff)",
    roles=(BUSINESS, STAFF),
    response=MessageOut,
    errors=(403, 404, 409),
)
def approve_message(call: Call, message_id: int) -> MessageOut:
    cheers.approve(_user(call), message_id, ip_address=call.ip_address)
    return MessageOut.from_view(update_pages.message_view(message_id))


@operation(
    "/messages/<int:message_id>/hide",
    method="POST",
    summary="Decline a waiting message (its business) or hide any message with a reason (staff)",
    roles=(BUSINESS, STAFF),
    body=ReasonIn,
    response=MessageOut,
    errors=(403, 404, 409, 422),
)
def hide_message(call: Call, message_id: int) -> MessageOut:
    cheers.hide(_user(call), message_id, call.body.reason, ip_address=call.ip_address)
    return MessageOut.from_view(update_pages.message_view(message_id))


@operation(
    "/messages/<int:message_id>/reply",
    method="POST",
    summary="Answer a message, once (its business)",
    roles=(BUSINESS,),
    body=ReplyIn,
    response=MessageOut,
    errors=(403, 404, 409, 422),
)
def reply_message(call: Call, message_id: int) -> MessageOut:
    cheers.reply(_user(call), message_id, call.body.reply, ip_address=call.ip_address)
    return MessageOut.from_view(update_pages.message_view(message_id))
