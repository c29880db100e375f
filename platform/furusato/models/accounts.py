"""Users, their roles, API tokens, the login lockout's counts and stored responses for
idempotent API calls."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from furusato.domain.states import Role
from furusato.models.base import Base, created_at_column, state_check, state_column

if TYPE_CHECKING:
    from furusato.models.projects import Business


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        state_check("role", Role),
        CheckConstraint(
            "estimate_salary_yen IS NULL OR estimate_salary_yen >= 0",
            name="estimate_salary_nonneg",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = state_column(Role)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    # Changes on password change and logout-everywhere; part of the session identity.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # 個人番号事務取扱担当者: a staff member who may reveal and export My Numbers (granted with
    # `furusato staff grant-mynumber EMAIL`); other staff see them masked.
    mynumber_officer: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The donor wants reminders while their one-stop application is incomplete.
    remind_onestop: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # Reminders the donor asked for (services/following/reminder_settings.py). The year-end
    # summary is asked for; the followed campaigns' mails come with following, until turned off.
    remind_year_end: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    remind_followed: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    # The deduction estimate's inputs the donor saved, so the year-end mail can state a cap.
    estimate_salary_yen: Mapped[int | None] = mapped_column(BigInteger)
    estimate_family: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()

    business: Mapped[Business | None] = relationship(back_populates="users")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def handles_mynumber(self) -> bool:
        """May reveal and export My Numbers (個人番号事務取扱担当者)."""
        return self.role == "staff" and self.mynumber_officer and self.is_active


class ApiToken(Base):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """Wrong passwords per account, shared by the web login and the API (domain/login_lockout.py).

    Keyed by an HMAC of the normalised email address (services/login_lockout.py), so an
    address without an account is counted the same way and no address is stored in clear."""

    __tablename__ = "login_failures"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first response to an API POST with an Idempotency-Key, replayed for any retry."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(120))  # "user:12" or "anon:<ip>" + method/path
    key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
