"""The `furusato` command: database, users, demo data, settlement by hand, the dev runner."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from furusato.domain.money import utcnow
from furusato.domain.states import Role


@click.group()
def main() -> None:
    """furusato: a city's own crowdfunding furusato nozei platform."""


@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from furusato.migrate import upgrade

    upgrade(revision=revision)
    click.echo(f"database upgraded to {revision}")


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.option("--role", type=click.Choice([str(r) for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--business-name", default=None, help="required for --role business")
@click.option("--name", "display_name", default="")
def users_create(
    role: str, email: str, password: str, business_name: str | None, display_name: str
) -> None:
    """Create a user with a role."""
    from furusato.services import accounts
    from furusato.services.errors import ServiceError

    try:
        user_id = accounts.register(
            email=email,
            password=password,
            role=role,
            display_name=display_name,
            business_name=business_name,
        )
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {role} user {user_id} <{email}>")


def _parse_as_of(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO-8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise click.BadParameter("give a timezone, e.g. 2026-12-31T23:59:59+09:00")
    return moment


@main.command("settle-due")
@click.option("--as-of", "as_of", default=None, help="ISO-8601 time with offset (default: now)")
def settle_due(as_of: str | None) -> None:
    """Settle every campaign due at AS_OF (what the beat sweep does each minute)."""
    from furusato.services.settlement import closing

    report = closing.settle_due(_parse_as_of(as_of))
    click.echo(report.describe())


@main.group()
def mynumber() -> None:
    """My Number storage (one-stop applications)."""


@mynumber.command("rotate")
def mynumber_rotate() -> None:
    """Re-encrypt every stored My Number with the newest key in MYNUMBER_KEYS."""
    from furusato.services.fulfilment import mynumber_vault

    click.echo(f"re-encrypted {mynumber_vault.rotate_all()} stored numbers with the newest key")


@mynumber.command("erase-due")
def mynumber_erase_due() -> None:
    """Erase numbers past the retention period (what the daily beat task does)."""
    from furusato.services.fulfilment import mynumber_vault

    click.echo(f"erased {mynumber_vault.erase_due()} numbers past retention")


@main.group()
def staff() -> None:
    """Staff permissions."""


def _set_officer(email: str, officer: bool) -> None:
    from furusato.services import mynumber_officers
    from furusato.services.errors import ServiceError

    try:
        changed = mynumber_officers.set_officer(email, officer)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    state = "may now" if officer else "may no longer"
    click.echo(
        f"{email} {state} reveal and export My Numbers" + ("" if changed else " (unchanged)")
    )


@staff.command("grant-mynumber")
@click.argument("email")
def staff_grant_mynumber(email: str) -> None:
    """Make a staff member a 個人番号事務取扱担当者 (may reveal and export My Numbers)."""
    _set_officer(email, True)


@staff.command("revoke-mynumber")
@click.argument("email")
def staff_revoke_mynumber(email: str) -> None:
    """Take the My Number permission away from a staff member."""
    _set_officer(email, False)


@main.command("seed-demo")
def seed_demo() -> None:
    """Load the demo through the services: accounts, campaigns, donations paid through the
    payment gateway (the embedded localstripe, started for the seeding if none runs), a settled
    campaign with receipts, shipments and a payout waiting for its second approver."""
    from furusato import dev_localstripe
    from furusato.config import get_settings
    from furusato.demo import seed

    settings = get_settings()
    try:
        with dev_localstripe.for_seeding(settings) as where:
            click.echo(where)
            lines = seed.seed(say=click.echo)
    except (seed.DemoFailed, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)
    if lines[0] != "demo data already loaded":
        click.echo("its mails wait in the outbox: the worker sends them (`furusato dev` runs one)")


@main.command("dev")
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--worker-timeout",
    default=300.0,
    show_default=True,
    help="restart the worker when it has taken no task for this many seconds",
)
def dev(port: int, worker_timeout: float) -> None:
    """Run the whole platform on the embedded default (what `make run` starts)."""
    from furusato.devserver import run

    sys.exit(run(port, worker_timeout))


if __name__ == "__main__":
    main()
