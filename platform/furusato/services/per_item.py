"""Sweeps go item by item: one item that fails is logged and counted, and the others go on.

Every beat sweep, and every task that works through a list of ids, hands its items to `each`.
The work for one item is a service call that opens its own unit(s) of work, so an exception
rolls back that item's changes only. It is logged with the item's id and counted as failed;
the sweep goes on with the next item and reports `done` and `failed` at the end (the next run
of the sweep finds the failed item again, since its state did not move). Errors that mean
"the whole batch may simply run again later" (a gateway or database outage) can be named in
`reraise`, for a task that retries itself.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
SHOWN_FAILURES = 20  # item ids kept in the tally (all of them are in the log)


@dataclass
class Tally(Generic[Item]):
    """What one sweep did: items done and failed, and the outcomes the work reported."""

    sweep: str
    done: int = 0
    failed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failed_items: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"done": self.done, "failed": self.failed, **self.outcomes}


def each(
    sweep: str,
    items: Iterable[Item],
    work: Callable[[Item], object],
    *,
    reraise: tuple[type[BaseException], ...] = (),
    on_failure: Callable[[Item, Exception], object] | None = None,
) -> Tally[Item]:
    """Run `work(item)` for every item, each on its own (see the module docstring). A string
    the work returns is counted as that item's outcome. `on_failure(item, exc)` may record the
    failure where staff see it; if it fails too, that is logged and the sweep still goes on."""
    tally: Tally[Item] = Tally(sweep)
    for item in items:
        try:
            outcome = work(item)
        except reraise:
            raise
        except Exception as exc:
            tally.failed += 1
            if len(tally.failed_items) < SHOWN_FAILURES:
                tally.failed_items.append(item)
            log.exception("%s: item %s failed; going on with the others", sweep, item)
            if on_failure is not None:
                try:
                    on_failure(item, exc)
                except Exception:
                    log.exception("%s: could not record the failure of item %s", sweep, item)
            continue
        tally.done += 1
        if isinstance(outcome, str):
            tally.outcomes[outcome] += 1
    if tally.failed:
        log.warning(
            "%s: %d done, %d failed (items %s)",
            sweep,
            tally.done,
            tally.failed,
            ", ".join(map(str, tally.failed_items)),
        )
    elif tally.done:
        log.info("%s: %d done", sweep, tally.done)
    return tally
