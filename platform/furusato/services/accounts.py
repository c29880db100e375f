"""Accounts: sign-up, password check (argon2) with the per-account lockout, API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from furusato.domain.money import utcnow
from furusato.domain.states import Role
from furusato.models import ApiToken, Business
from furusato.models import User as User  # the signed-in person, as the web layer names it
from furusato.services import login_lockout
from furusato.services.errors import N_, Conflict, ValidationFailed, refuse_control_characters
from furusato.services.uow import UnitOfWork

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
TOKEN_TTL = timedelta(days=30)
MIN_PASSWORD_LENGTH = 10


def normalise_email(raw: str) -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            "メールアドレスの形式が正しくありません。", fields={"email": str(exc)}
        ) from exc


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            N_("パスワードは%(n)s文字以上にしてください。", n=MIN_PASSWORD_LENGTH),
            fields={"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    display_name: str = "",
    business_name: str | None = None,
) -> User:
    """Add a user (and its business, for the business role) to the caller's transaction."""
    if role not in set(Role):
        raise ValidationFailed(N_("登録の種類を選んでください。"), fields={"role": "unknown role"})
    refuse_control_characters(
        {"email": email, "display_name": display_name, "business_name": business_name}
    )
    address = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict(
            "このメールアドレスは既に登録されています。", fields={"email": "already registered"}
        )
    user = User(
        email=address,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or address.split("@")[0],
    )
    if role == Role.BUSINESS:
        if not business_name:
            raise ValidationFailed(
                "事業者名を入力してください。", fields={"business_name": "required"}
            )
        user.business = Business(name=business_name)
    session.add(user)
    session.flush()
    return user


def register(
    *,
    email: str,
    password: str,
    role: str,
    display_name: str = "",
    business_name: str | None = None,
) -> int:
    with UnitOfWork() as uow:
        user = create_user(
            uow.session,
            email=email,
            password=password,
            role=role,
            display_name=display_name,
            business_name=business_name,
        )
        uow.commit()
        return user.id


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes outdated argon2 parameters.

    The one door of the web login and the API's token exchange: each wrong password counts
    against the account (services/login_lockout.py), and while the account is locked this
    raises AccountLocked (429) before the password is looked at, the right one included."""
    try:
        address = normalise_email(email)
    except ValidationFailed:
        address = ""
    key = login_lockout.account_key(address or email.strip().lower())
    now = utcnow()
    with UnitOfWork() as uow:
        counted = login_lockout.refuse_if_locked(uow.session, key, now)
        user = uow.session.scalar(select(User).where(User.email == address))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
            valid = user is not None and user.is_active
        except (VerificationError, InvalidHashError):
            valid = False
        if not valid or user is None:
            login_lockout.record_failure(uow.session, key, now)
            uow.commit()
            return None
        login_lockout.clear(uow.session, counted)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        uow.commit()
        uow.session.expunge(user)
        return user


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: `id:session_version`, so a bumped version ends old sessions."""
    try:
        raw_id, raw_version = session_id.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    with UnitOfWork() as uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.is_active or user.session_version != version:
            return None
        uow.session.expunge(user)
        return user


def end_sessions(user_id: int) -> None:
    """Invalidate every browser session of the user (logout, password change)."""
    with UnitOfWork() as uow:
        uow.session.execute(
            update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
        )
        uow.commit()


def _token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def issue_token(email: str, password: str) -> tuple[str, datetime] | None:
    user = authenticate(email, password)
    if user is None:
        return None
    token = "fst_" + secrets.token_urlsafe(32)
    expires = utcnow() + TOKEN_TTL
    with UnitOfWork() as uow:
        uow.session.add(
            ApiToken(user_id=user.id, token_sha256=_token_digest(token), expires_at=expires)
        )
        uow.commit()
    return token, expires


def user_for_token(token: str) -> User | None:
    with UnitOfWork() as uow:
        row = uow.session.scalar(
            select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token))
        )
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        user = row.user
        if not user.is_active:
            return None
        uow.session.expunge(user)
        return user
