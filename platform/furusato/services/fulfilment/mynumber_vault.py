"""My Number at rest: Fernet-encrypted with the configured keys, rotated, erased on time.

`settings.mynumber_keys` lists Fernet keys newest first; MultiFernet encrypts with the first
and decrypts with any, so adding a key in front and running `furusato mynumber rotate`
re-encrypts every stored number with it before the old key is removed. Nothing here logs a
number, and decrypting is only done by callers that audit it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, update

from furusato.config import get_settings
from furusato.domain.money import to_jst, utcnow
from furusato.domain.onestop import retention_ends
from furusato.models import OnestopApplication
from furusato.services import per_item
from furusato.services.uow import UnitOfWork

BATCH = 500


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("MYNUMBER_KEYS is empty: no key to protect My Numbers with")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(get_settings().mynumber_keys)


def encrypt(number: str) -> bytes:
    return cipher().encrypt(number.encode("ascii"))


def decrypt(token: bytes) -> str:
    try:
        return cipher().decrypt(token).decode("ascii")
    except InvalidToken as exc:  # a key was removed before rotation finished
        raise RuntimeError(
            "a stored My Number cannot be decrypted with the configured keys"
        ) from exc


def rotate_all() -> int:
    """Re-encrypt every stored number with the newest key; returns how many were rewritten."""
    rotated, last_id = 0, 0
    multi = cipher()
    while True:
        with UnitOfWork() as uow:
            rows = list(
                uow.session.scalars(
                    select(OnestopApplication)
                    .where(
                        OnestopApplication.id > last_id,
                        OnestopApplication.my_number_encrypted.is_not(None),
                    )
                    .order_by(OnestopApplication.id)
                    .limit(BATCH)
                    .with_for_update()
                )
            )
            if not rows:
                return rotated
            for row in rows:
                assert row.my_number_encrypted is not None
                row.my_number_encrypted = multi.rotate(row.my_number_encrypted)
            last_id = rows[-1].id
            rotated += len(rows)
            uow.commit()


def _years_back(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def erase_due(*, today: date | None = None) -> int:
    """Erase numbers kept longer than the retention period (counted from the day received).
    Each application on its own (services/per_item.py): one that cannot be erased is logged
    and found again by tomorrow's sweep; the others are erased."""
    today = today or to_jst(utcnow()).date()
    years = get_settings().city.mynumber_retention_years
    with UnitOfWork() as uow:
        candidates = uow.session.execute(
            select(OnestopApplication.id, OnestopApplication.received_on).where(
                OnestopApplication.my_number_encrypted.is_not(None),
                OnestopApplication.received_on.is_not(None),
                # A coarse bound in SQL (a day of slack for Feb 29); the exact rule below.
                OnestopApplication.received_on <= _years_back(today, years) + timedelta(days=1),
            )
        ).all()
    due = [
        row_id
        for row_id, received in candidates
        if received is not None and retention_ends(received, years) <= today
    ]
    return per_item.each("mynumber: erase due", due, _erase).outcomes["erased"]


def _erase(application_id: int) -> str:
    with UnitOfWork() as uow:
        erased = uow.session.execute(
            update(OnestopApplication)
            .where(
                OnestopApplication.id == application_id,
                OnestopApplication.my_number_encrypted.is_not(None),
            )
            .values(my_number_encrypted=None, erased_at=utcnow())
        )
        uow.commit()
        return "erased" if erased.rowcount else "gone"  # type: ignore[attr-defined]
