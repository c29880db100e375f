"""Issue N receipts on PostgreSQL through the batched service path; print receipts/s and PDF
renders/s for a sample.

    python scripts/test_services.py -- python bench/receipts.py --count 100000

Uses its own database (furusato_bench_receipts, recreated) on TEST_DATABASE_URL's server.
The donations are bulk-inserted as paid and final; then `receipts.issue_receipts` runs chunk
after chunk exactly as the worker's `furusato.issue_receipt_chunk` task would (one transaction
per chunk: counter UPDATE, receipt rows, outbox mails, one-stop applications).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB = "furusato_bench_receipts"
os.environ.update(
    DATABASE_URL=ADMIN.rsplit("/", 1)[0] + "/" + DB,
    FURUSATO_ENV="bench",
    SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789",
)

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from furusato.db import get_engine  # noqa: E402
from furusato.migrate import upgrade  # noqa: E402
from furusato.models import Business, Donation, Project, Receipt, Tier  # noqa: E402
from furusato.services.fulfilment import receipts  # noqa: E402
from furusato.services.uow import UnitOfWork  # noqa: E402


def recreate() -> None:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB}"'))
    admin.dispose()
    with get_engine().begin() as conn:
        upgrade(conn)


def seed(count: int, onestop_every: int) -> list[int]:
    now = datetime.now(UTC)
    with UnitOfWork() as uow:
        s = uow.session
        business = Business(name="ベンチ商店")
        project = Project(business=business, title="ベンチマークの新しい特産品", status="approved")
        project.target_yen, project.cap_yen = 0, 10**12
        tier = Tier(project=project, amount_yen=10_000, gift_name="タオル")
        s.add_all([business, project, tier])
        s.flush()
        paid = now - timedelta(days=1)
        batch = []
        for n in range(count):
            batch.append(
                {
                    "project_id": project.id,
                    "tier_id": tier.id,
                    "creation_key": f"bench:{n}",
                    "access_token": secrets.token_urlsafe(24),
                    "amount_yen": 10_000,
                    "gift": True,
                    "status": "paid",
                    "donor_name": f"寄附 太郎{n}",
                    "donor_name_kana": "キフ タロウ",
                    "email": f"donor{n}@example.jp",
                    "phone": "090-0000-0000",
                    "postal_code": "1000001",
                    "address": "東京都千代田区千代田1-1",
                    "municipality_code": "13101",
                    "onestop_requested": onestop_every > 0 and n % onestop_every == 0,
                    "reserved_until": now,
                    "paid_at": paid,
                    "tax_year": paid.astimezone().year,
                    "final_at": now,
                    "created_at": paid,
                    "updated_at": now,
                    "fee_yen": 0,
                    "settlement_error": "",
                }
            )
            if len(batch) == 5000:
                s.execute(insert(Donation), batch)
                batch = []
        if batch:
            s.execute(insert(Donation), batch)
        uow.commit()
        return list(s.scalars(select(Donation.id).order_by(Donation.id)))


PDF_TARGET = 0.04  # receipt PDFs rendered per second, of /healthz requests per second (issue 18)


def hello_rate(count: int = 2000) -> float:
    """/healthz requests per second through the app in this process (the yardstick the
    targets are written in: it moves with the machine as the PDFs do)."""
    from furusato import create_app

    client = create_app({"RATELIMIT_ENABLED": False}).test_client()
    for _ in range(200):
        client.get("/healthz")
    t0 = time.perf_counter()
    for _ in range(count):
        client.get("/healthz")
    return count / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pdf-sample", type=int, default=200)
    parser.add_argument("--onestop-every", type=int, default=5, help="every Nth asks one-stop")
    args = parser.parse_args()

    recreate()
    t0 = time.perf_counter()
    ids = seed(args.count, args.onestop_every)
    print(f"seeded {len(ids):,} paid, final donations in {time.perf_counter() - t0:.1f}s")

    t0 = time.perf_counter()
    issued = 0
    for start in range(0, len(ids), receipts.CHUNK):
        issued += len(receipts.issue_receipts(ids[start : start + receipts.CHUNK]))
    elapsed = time.perf_counter() - t0
    print(
        f"issued {issued:,} receipts in {elapsed:.1f}s = {issued / elapsed:,.0f} receipts/s "
        f"(chunks of {receipts.CHUNK}, incl. outbox mail and one-stop rows)"
    )
    with UnitOfWork() as uow:
        year_max = uow.session.execute(
            select(Receipt.year, func.count(), func.max(Receipt.seq)).group_by(Receipt.year)
        ).all()
    for year, n, top in year_max:
        assert n == top, f"gap in {year}: {n} receipts, highest seq {top}"
        print(f"year {year}: {n:,} receipts numbered 1..{top:,} without gaps")

    with UnitOfWork() as uow:
        sample = list(uow.session.scalars(select(Receipt.id).limit(args.pdf_sample)))
    receipts.render_pdf(sample[0])  # font registration outside the timing
    t0 = time.perf_counter()
    size = 0
    for receipt_id in sample:
        size += len(receipts.render_pdf(receipt_id))
    elapsed = time.perf_counter() - t0
    print(
        f"rendered {len(sample)} receipt PDFs in {elapsed:.2f}s = {len(sample) / elapsed:,.0f} PDFs/s "
        f"(avg {size // len(sample):,} bytes, font subset embedded)"
    )
    hello = hello_rate()
    share = len(sample) / elapsed / hello
    verdict = "met" if share >= PDF_TARGET else "not met"
    print(
        f"PDFs/s = {share:.1%} of /healthz requests/s in this process ({hello:,.0f}/s through "
        f"Flask's test client, the same minute) (target >= {PDF_TARGET:.0%}: {verdict})"
    )
    get_engine().dispose()


if __name__ == "__main__":
    main()
