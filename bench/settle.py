"""Settle one funded campaign of N donations (default 100,000) on PostgreSQL + Redis with a real
Celery worker; print the wall time and donations/s.

    python scripts/test_services.py -- python bench/settle.py [--count 100000] [--concurrency 2]

Uses its own database and Redis db (slot `bench_settle`, recreated). The donations are seeded
with COPY as paid; the campaign is past its deadline and exactly funded, so no gateway call is
made (refunds are excluded). The clock runs from the sweep's call (close, decide, mark 100k
donations pending, send the chunk tasks) until the worker has claimed the campaign `settled`:
every donation `done` with its shipment, ledger entries and receipt task.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("FURUSATO_TEST_SLOT", "bench_settle")

from tests.support.env import configure_environment

configure_environment()
# Redis db 15 is outside the test slots' range (1-14), so no test run's worker fixture purges
# or consumes the benchmark's queue.
os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = (
    os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/15"
)

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from furusato.db import get_engine  # noqa: E402
from furusato.migrate import upgrade  # noqa: E402
from furusato.models import LedgerEntry, Payout, Project, Shipment  # noqa: E402
from furusato.services import dispatch  # noqa: E402
from furusato.services.settlement import closing  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402
from tests.support.settlement import seed_campaign  # noqa: E402
from tests.support.worker import RunningWorker  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]

    recreate_database()
    engine = get_engine()
    with engine.begin() as conn:
        upgrade(conn)
    t = time.perf_counter()
    project_id = seed_campaign(engine, count=args.count)
    print(f"seeded {args.count:,} paid donations in {time.perf_counter() - t:.1f} s")

    worker = RunningWorker()
    worker.purge()
    worker.start()
    dispatch.install(worker.app.send_task)
    try:
        t0 = time.perf_counter()
        report = closing.settle_due(datetime.now(UTC))
        t_sweep = time.perf_counter() - t0
        print(report.describe())
        last = None
        while True:
            with Session(engine) as s:
                status = s.scalar(select(Project.status).where(Project.id == project_id))
            if status == "settled":
                break
            progress = closing.progress(project_id)
            if progress != last and progress.done % 10_000 < 500:
                print(f"  {time.perf_counter() - t0:6.1f} s  done {progress.done:,}")
            last = progress
            if worker.process is None or worker.process.poll() is not None:
                print(worker.log())
                return 1
            time.sleep(0.25)
        wall = time.perf_counter() - t0
        with Session(engine) as s:
            shipments = s.scalar(select(func.count(Shipment.id)))
            entries = s.scalar(select(func.count(LedgerEntry.id)))
            payout = s.scalar(select(Payout.amount_yen).where(Payout.project_id == project_id))
        print(f"sweep (close, decide, mark pending, send chunks): {t_sweep:.2f} s")
        print(f"settled {args.count:,} donations in {wall:.1f} s wall")
        print(f"throughput: {args.count / wall:,.0f} donations/s")
        print(f"shipments {shipments:,}, ledger entries {entries:,}, subsidy payout ¥{payout:,}")
    finally:
        dispatch.install(None)
        worker.stop()
        worker.purge()
        engine.dispose()
        if not args.keep_db:
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
