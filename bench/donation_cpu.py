"""The app's CPU per donation, measured in one process and one thread: the figure the rush
benchmark's throughput follows, without the noise of a shared machine's wall clock.

    python scripts/test_services.py -- python bench/donation_cpu.py [--count 1000] [--profile F]

A fresh PostgreSQL database (slot `bench_cpu`) seeded like bench/rush.py, the app as in
production (FURUSATO_ENV=bench) called through Flask's test client, and bench/fake_gateway.py
answering at once (no delay: the waiting costs no CPU). Each donation is the rush's "card
brought" shape: the pledge (`POST /api/v1/projects/<id>/donations` with an Idempotency-Key)
and the payment
(`POST /api/v1/donations/<id>/pay`). Printed: this process's CPU time (user + system, from
`time.process_time`) per pledge, per payment and per `/healthz` (the fixed cost of a request
through the app), in rounds, with the SQL statements each request sent. PostgreSQL's and the
gateway's CPU are not counted here; the rush benchmark prints those. `--profile F` writes a
cProfile of one more round (CPU clock) to F for `python -m pstats F`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("FURUSATO_TEST_SLOT", "bench_cpu")

import rush  # noqa: E402  (configures the environment for the slot, as the rush does)
from sqlalchemy import event  # noqa: E402

from furusato.db import get_engine  # noqa: E402
from furusato.migrate import upgrade  # noqa: E402
from tests.support.database import drop_database, recreate_database  # noqa: E402
from tests.support.localstripe import free_port  # noqa: E402

DONOR = {
    "name": "寄附 花子",
    "name_kana": "キフ ハナコ",
    "phone": "090-1234-5678",
    "postal_code": "1000001",
    "address": "東京都千代田区千代田1-1",
}


@contextmanager
def counted_statements() -> Iterator[list[int]]:
    count = [0]

    def tally(*_: Any) -> None:
        count[0] += 1

    event.listen(get_engine(), "before_cursor_execute", tally)
    try:
        yield count
    finally:
        event.remove(get_engine(), "before_cursor_execute", tally)


class Donor:
    """Gives through the app in this process and books the CPU each request took."""

    def __init__(self, client: Any, project: int, tier: int, run: str) -> None:
        self.client, self.project, self.tier, self.run = client, project, tier, run
        self.seq = 0
        self.cpu: dict[str, float] = {"pledge": 0.0, "pay": 0.0, "hello": 0.0}
        self.statements: dict[str, int] = {"pledge": 0, "pay": 0, "hello": 0}

    def _timed(self, name: str, call: Any) -> Any:
        with counted_statements() as count:
            start = time.process_time()
            response = call()
            self.cpu[name] += time.process_time() - start
        self.statements[name] += count[0]
        return response

    def give(self) -> None:
        self.seq += 1
        body = {
            "tier_id": self.tier,
            "card_setup": False,
            "amount_yen": 10_000,
            "donor": {**DONOR, "email": f"cpu{self.run}-{self.seq}@example.jp"},
        }
        pledge = self._timed(
            "pledge",
            lambda: self.client.post(
                f"/api/v1/projects/{self.project}/donations",
                json=body,
                headers={"Idempotency-Key": f"{self.run}-{self.seq}"},
            ),
        )
        if pledge.status_code != 201:
            sys.exit(f"pledge answered {pledge.status_code}: {pledge.get_data(as_text=True)}")
        donation = pledge.get_json()
        paid = self._timed(
            "pay",
            lambda: self.client.post(
                f"/api/v1/donations/{donation['id']}/pay",
                json={"payment_method": "pm_card_visa"},
                headers={"X-Donation-Token": donation["access_token"]},
            ),
        )
        if paid.status_code != 200 or paid.get_json()["status"] != "paid":
            sys.exit(f"payment answered {paid.status_code}: {paid.get_data(as_text=True)}")
        hello = self._timed("hello", lambda: self.client.get("/healthz"))
        if hello.status_code != 200:
            sys.exit(f"/healthz answered {hello.status_code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="donations per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile (CPU clock) of one more round here")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    port = free_port()
    os.environ.update(
        # Not "production": it refuses a Stripe API on loopback (the fake gateway). What else
        # production changes (secure cookies, HSTS) costs nothing measurable.
        FURUSATO_ENV="bench",
        MYNUMBER_KEYS="YmVuY2gtb25seS1teW51bWJlci1rZXktMDEyMzQ1Njc=",
        STRIPE_API_BASE=f"http://127.0.0.1:{port}",
        STRIPE_ATTACH_CARD="false",
        STRIPE_SECRET_KEY="sk_test_bench",
        BASE_URL="http://127.0.0.1:1",
    )  # before anything reads the settings
    recreate_database()
    with get_engine().begin() as conn:
        upgrade(conn)
    ids = rush.seed(limit=150)
    gateway = [sys.executable, "bench/fake_gateway.py", "--port", str(port), "--delay", "0"]
    with rush.process(gateway, dict(os.environ), Path(os.devnull)) as proc:
        rush.wait_http(f"http://127.0.0.1:{port}/_stats", proc, Path(os.devnull))
        from furusato import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
        client = app.test_client()
        run = str(int(time.time()))
        warm = Donor(client, ids["project"], ids["open_tier"], f"{run}w")
        for _ in range(100):
            warm.give()
        per_round: dict[str, list[float]] = {"pledge": [], "pay": [], "hello": []}
        for n in range(args.rounds):
            donor = Donor(client, ids["project"], ids["open_tier"], f"{run}r{n}")
            for _ in range(args.count):
                donor.give()
            line = []
            for name, seconds in donor.cpu.items():
                per_round[name].append(seconds * 1000 / args.count)
                statements = donor.statements[name] / args.count
                line.append(f"{name} {per_round[name][-1]:5.2f} ms ({statements:.0f} SQL)")
            print(f"round {n + 1}: " + ", ".join(line))
        median = {name: statistics.median(ms) for name, ms in per_round.items()}
        # The machine's speed drifts with its neighbours; a donation's cost in /healthz requests
        # of the same round drifts much less, so that is the figure to compare across changes.
        in_hellos = statistics.median(
            (pledge + pay) / hello for pledge, pay, hello in zip(*per_round.values(), strict=True)
        )
        print(
            f"app CPU per donation (median of {args.rounds} rounds of {args.count}): "
            f"{median['pledge'] + median['pay']:.2f} ms = pledge {median['pledge']:.2f} "
            f"+ payment {median['pay']:.2f}; a /healthz request {median['hello']:.2f} ms; "
            f"a donation costs {in_hellos:.1f} /healthz requests"
        )
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            donor = Donor(client, ids["project"], ids["open_tier"], f"{run}p")
            profiler.enable()
            for _ in range(args.count):
                donor.give()
            profiler.disable()
            profiler.dump_stats(args.profile)
            print(f"profile written to {args.profile}")
    get_engine().dispose()
    drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
